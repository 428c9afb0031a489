//! Named tensors as a safetensors file, written atomically, read back with a typed error.

use crate::TrainError;
use candle_core::{Device, Tensor, Var};
use candle_nn::VarMap;
use painter_io::FileError;
use std::collections::HashMap;
use std::path::Path;

/// Writes `tensors` (moved to the CPU) to `path` as safetensors, atomically (see
/// [`painter_io::write_atomic_path`]), and returns the file's size in bytes. The tensors are
/// streamed to the file, not gathered in memory first.
pub fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<u64, TrainError> {
    let cpu: HashMap<String, Tensor> = tensors
        .iter()
        .map(|(k, t)| Ok((k.clone(), t.to_device(&Device::Cpu)?.contiguous()?)))
        .collect::<Result<_, candle_core::Error>>()?;
    painter_io::write_atomic_path(path, |tmp| {
        candle_core::safetensors::save(&cpu, tmp).map_err(std::io::Error::other)
    })?;
    Ok(std::fs::metadata(path).map_err(FileError::at(path))?.len())
}

/// Reads every tensor of the safetensors file at `path` onto `device`.
pub fn read_tensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>, TrainError> {
    let bytes = std::fs::read(path).map_err(FileError::at(path))?;
    candle_core::safetensors::load_buffer(&bytes, device).map_err(|e| TrainError::Safetensors {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A [`VarMap`] holding `vars` under their names: what a model built from a
/// [`candle_nn::VarBuilder`] over it reads, and what training the map's variables updates.
pub fn var_map(vars: impl IntoIterator<Item = (String, Var)>) -> Result<VarMap, TrainError> {
    let map = VarMap::new();
    map.data()
        .lock()
        .map_err(|_| TrainError::Poisoned("VarMap"))?
        .extend(vars);
    Ok(map)
}

/// The variables of `map` with their names, sorted by name (a `VarMap` keeps no order).
pub fn named_vars(map: &VarMap) -> Result<Vec<(String, Var)>, TrainError> {
    let data = map
        .data()
        .lock()
        .map_err(|_| TrainError::Poisoned("VarMap"))?;
    let mut named: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_round_trip_bit_for_bit_and_the_size_is_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/t.safetensors");
        let a = Tensor::new(
            &[[1.5f32, -0.0, f32::MIN_POSITIVE], [3.0, 4.0, 5.0]],
            &Device::Cpu,
        )
        .unwrap();
        let b = Tensor::new(&[7u32, 8], &Device::Cpu).unwrap();
        let bytes = write_tensors(&path, &[("a".into(), a.t().unwrap()), ("b".into(), b)]).unwrap();
        assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
        let back = read_tensors(&path, &Device::Cpu).unwrap();
        assert_eq!(back["a"].dims(), &[3, 2]);
        let bits = |t: &Tensor| -> Vec<u32> {
            t.flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        assert_eq!(bits(&back["a"]), bits(&a.t().unwrap()));
        assert_eq!(back["b"].to_vec1::<u32>().unwrap(), vec![7, 8]);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "a temporary file was left: {names:?}");
    }

    #[test]
    fn a_truncated_file_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        let t = Tensor::ones(16, candle_core::DType::F32, &Device::Cpu).unwrap();
        write_tensors(&path, &[("t".into(), t)]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        assert!(matches!(
            read_tensors(&path, &Device::Cpu),
            Err(TrainError::Safetensors { .. })
        ));
        assert!(matches!(
            read_tensors(&dir.path().join("absent"), &Device::Cpu),
            Err(TrainError::Io(_))
        ));
    }
}
