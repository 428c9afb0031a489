//! Checkpoints: save, load into a fresh `VarMap`, bit-identical outputs; the encoder alone; refusal
//! of incomplete, mismatched or corrupt checkpoints.

mod common;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarMap;
use common::{bits, copy_varmap};
use painter_cae::{
    load_cae, load_encoder, Cae, CaeCheckpoint, CaeConfig, CaeError, DecoderWeights,
};
use std::fs;
use std::path::Path;

fn cfg() -> CaeConfig {
    CaeConfig {
        image_size: 20,
        filters: vec![5, 7],
        ..CaeConfig::compact()
    }
}

/// The test configuration, a fresh folder and the variables of a CAE seeded with `seed`.
fn seeded_cae(seed: u64) -> (CaeConfig, tempfile::TempDir, VarMap) {
    let (cfg, vm) = (cfg(), VarMap::new());
    Cae::new_seeded(&cfg, &vm, seed, &Device::Cpu).unwrap();
    (cfg, tempfile::tempdir().unwrap(), vm)
}

/// Writes `cfg` as the checkpoint's `config.json`.
fn write_config(dir: &Path, cfg: &CaeConfig) {
    fs::write(dir.join("config.json"), serde_json::to_string(cfg).unwrap()).unwrap();
}

#[test]
fn round_trip_gives_bit_identical_outputs() {
    for weights in [DecoderWeights::Learned, DecoderWeights::Tied] {
        let cfg = CaeConfig {
            decoder_weights: weights,
            ..cfg()
        };
        let dir = tempfile::tempdir().unwrap();
        let vm = VarMap::new();
        let cae = Cae::new_seeded(&cfg, &vm, 77, &Device::Cpu).unwrap();
        CaeCheckpoint::save(dir.path(), &cfg, &vm).unwrap();
        assert!(dir.path().join("model.safetensors").is_file());
        assert!(dir.path().join("config.json").is_file());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

        let (cfg2, vm2, cae2) = load_cae(dir.path(), &Device::Cpu).unwrap();
        assert_eq!(cfg2, cfg);
        assert_eq!(vm2.all_vars().len(), vm.all_vars().len());
        let x = Tensor::rand(0f32, 1f32, (2, 3, 20, 20), &Device::Cpu).unwrap();
        assert_eq!(
            bits(&cae.forward(&x).unwrap()),
            bits(&cae2.forward(&x).unwrap())
        );

        let (_, _, enc) = load_encoder(dir.path(), &Device::Cpu).unwrap();
        assert_eq!(
            bits(&cae.encoder().forward(&x).unwrap()),
            bits(&enc.forward(&x).unwrap())
        );

        // The loaded VarMap is live: training it changes the loaded model, not the original.
        let var = vm2.data().lock().unwrap()["encoder.conv1.bias"].clone();
        var.set(&var.as_tensor().affine(1.0, 0.5).unwrap()).unwrap();
        assert_ne!(
            bits(&cae.forward(&x).unwrap()),
            bits(&cae2.forward(&x).unwrap())
        );
    }
}

#[test]
fn an_encoder_only_checkpoint_loads_as_an_encoder_but_not_as_a_cae() {
    let (cfg, dir, vm) = seeded_cae(1);
    // Keep only the encoder's tensors.
    let enc_vm = copy_varmap(&vm, |name| name.starts_with("encoder."), DType::F32);
    assert!(matches!(
        CaeCheckpoint::save(dir.path(), &cfg, &enc_vm),
        Err(CaeError::Checkpoint { .. })
    ));
    // Written by hand (as another tool might), it loads as an encoder only.
    let tensors: Vec<(String, Tensor)> = enc_vm
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect();
    let map: std::collections::HashMap<String, Tensor> = tensors.into_iter().collect();
    candle_core::safetensors::save(&map, dir.path().join("model.safetensors")).unwrap();
    write_config(dir.path(), &cfg);
    assert!(load_encoder(dir.path(), &Device::Cpu).is_ok());
    let err = load_cae(dir.path(), &Device::Cpu).err().unwrap();
    assert!(err.to_string().contains("missing tensor decoder."), "{err}");
}

#[test]
fn mismatched_missing_or_corrupt_checkpoints_are_refused() {
    let (cfg, dir, vm) = seeded_cae(1);
    CaeCheckpoint::save(dir.path(), &cfg, &vm).unwrap();

    // A config whose shapes differ from the weights.
    let other = CaeConfig {
        filters: vec![5, 8],
        ..cfg.clone()
    };
    write_config(dir.path(), &other);
    let err = load_cae(dir.path(), &Device::Cpu).err().unwrap();
    assert!(err.to_string().contains("shape"), "{err}");

    // An invalid config.
    let bad = CaeConfig {
        kernel_size: 2,
        ..cfg.clone()
    };
    write_config(dir.path(), &bad);
    assert!(matches!(
        load_cae(dir.path(), &Device::Cpu),
        Err(CaeError::InvalidConfig(_))
    ));

    // Unparsable JSON.
    fs::write(dir.path().join("config.json"), "{not json").unwrap();
    assert!(matches!(
        load_cae(dir.path(), &Device::Cpu),
        Err(CaeError::Document(
            painter_io::DocumentError::Corrupt { .. }
        ))
    ));

    // Truncated weights.
    write_config(dir.path(), &cfg);
    let bytes = fs::read(dir.path().join("model.safetensors")).unwrap();
    fs::write(
        dir.path().join("model.safetensors"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    assert!(matches!(
        load_cae(dir.path(), &Device::Cpu),
        Err(CaeError::Checkpoint { .. })
    ));

    // A folder that is not a checkpoint.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        load_cae(empty.path(), &Device::Cpu),
        Err(CaeError::Document(
            painter_io::DocumentError::Missing { .. }
        ))
    ));

    // Weights of the wrong type.
    let f64_vm = copy_varmap(&vm, |_| true, DType::F64);
    assert!(CaeCheckpoint::save(dir.path(), &cfg, &f64_vm).is_err());
}
