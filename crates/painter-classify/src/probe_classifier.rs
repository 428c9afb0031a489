//! [`ProbeClassifier`]: a complete, saveable painter classifier made of the frozen pretrained
//! encoder, the way images become texture statistics ([`StatisticsFeatures`]) and a fitted
//! [`LinearProbe`].

use crate::encoder::PretrainedEncoder;
use crate::error::{ClassifyError, Result};
use crate::linear_probe::{LinearProbe, LinearProbeConfig};
use crate::patches::StatisticsFeatures;
use crate::predict::{read_image, Prediction};
use crate::statistics::ChannelStatistics;
use candle_core::Device;
use image::RgbImage;
use painter_cae::CaeConfig;
use painter_data::Dataset;
use painter_io::{read_json, write_json, FileError};
use painter_train::{read_tensors, write_tensors};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The description file of a saved probe classifier.
pub const PROBE_FILE: &str = "probe.json";
/// The encoder's weights inside a saved probe classifier.
pub const ENCODER_FILE: &str = "encoder.safetensors";
/// The format of a model whose statistics read the encoder through its ReLUs.
const FORMAT: &str = "deep-painter-probe-classifier/1";
/// The format of a model whose statistics read it through a leaky ReLU (`negative_slope`): an
/// older program, which knows only the first format, refuses it instead of ignoring the slope.
const FORMAT_LEAKY: &str = "deep-painter-probe-classifier/2";
/// The format of a model whose statistics read several encoders (`more_encoders`, weights in
/// `encoder-2.safetensors`, ...): older programs refuse it instead of reading the first alone.
const FORMAT_ENSEMBLE: &str = "deep-painter-probe-classifier/3";
/// The format of a model whose statistics read the images at several scales (`scales`, with
/// any number of encoders and any slope): older programs refuse it instead of reading one scale.
const FORMAT_SCALES: &str = "deep-painter-probe-classifier/4";
/// The format of a model whose probe scales its probabilities by a fitted temperature (with any
/// other settings): older programs refuse it instead of giving unscaled probabilities.
const FORMAT_TEMPERATURE: &str = "deep-painter-probe-classifier/5";

#[derive(Serialize, Deserialize)]
struct Description {
    format: String,
    encoder: CaeConfig,
    /// The encoders after the first, in order (format 3 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_encoders: Vec<CaeConfig>,
    image_size: u32,
    patch: Option<u32>,
    #[serde(default, skip_serializing_if = "is_zero")]
    negative_slope: f64,
    /// The scales of the statistics (format 4 only; `[1]` when absent).
    #[serde(default = "one_scale", skip_serializing_if = "is_one_scale")]
    scales: Vec<usize>,
    probe: LinearProbe,
}

fn one_scale() -> Vec<usize> {
    vec![1]
}

fn is_one_scale(scales: &[usize]) -> bool {
    scales == [1]
}

/// The weights file of encoder `k` (from 1) inside a saved probe classifier.
fn encoder_file(k: usize) -> String {
    if k == 1 {
        ENCODER_FILE.into()
    } else {
        format!("encoder-{k}.safetensors")
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Frozen encoder + texture statistics + linear probe: `predict` takes images of any size.
///
/// ```
/// use candle_core::Device;
/// use painter_cae::CaeConfig;
/// use painter_classify::{
///     ChannelStatistics, LinearProbeConfig, ProbeClassifier, PretrainedEncoder, StatisticsFeatures,
/// };
/// use painter_data::{Dataset, SyntheticPainters};
///
/// let data = SyntheticPainters::new(2, 6, 32, 0).unwrap();
/// let cae = CaeConfig::tiny(32);
/// let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
/// let features = StatisticsFeatures {
///     statistics: ChannelStatistics::new(encoder),
///     image_size: 32,
///     patch: None,
/// };
/// let cfg = LinearProbeConfig { c_grid: vec![1.0], ..LinearProbeConfig::default() };
/// let model = ProbeClassifier::fit(features, &data, &cfg, &Device::Cpu).unwrap();
/// let images = vec![data.get(0).unwrap().image, data.get(11).unwrap().image];
/// let predictions = model.predict(images, &Device::Cpu).unwrap();
/// assert_eq!(predictions[0].probabilities.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ProbeClassifier {
    features: StatisticsFeatures,
    probe: LinearProbe,
}

impl ProbeClassifier {
    /// Puts a fitted probe on its features, checking that they agree.
    pub fn new(features: StatisticsFeatures, probe: LinearProbe) -> Result<Self> {
        features.validate()?;
        if probe.model.features != features.statistics.dim() {
            return Err(ClassifyError::PartsDisagree(format!(
                "the probe takes {} features, the encoder's statistics are {}",
                probe.model.features,
                features.statistics.dim()
            )));
        }
        Ok(Self { features, probe })
    }

    /// Fits the probe on every painting of `data`, read by `features` (nothing is held out: a
    /// model to use, not to score). `C` is chosen from `config.c_grid` by the probe's inner
    /// cross-validation; a sample without a label is an error.
    pub fn fit(
        features: StatisticsFeatures,
        data: &dyn Dataset,
        config: &LinearProbeConfig,
        device: &Device,
    ) -> Result<Self> {
        let labels = painter_data::labels_of(data)?;
        let images = (0..data.len())
            .map(|i| Ok(data.get(i)?.image))
            .collect::<Result<Vec<_>>>()?;
        let samples = features.of_images(images, device, |_| {})?;
        let all: Vec<usize> = (0..data.len()).collect();
        let probe = LinearProbe::fit(config, &samples, &labels, &all, data.class_names().to_vec())?;
        Self::new(features, probe)
    }

    /// The feature settings.
    pub fn features(&self) -> &StatisticsFeatures {
        &self.features
    }

    /// The fitted probe.
    pub fn probe(&self) -> &LinearProbe {
        &self.probe
    }

    /// The painters, in label order.
    pub fn class_names(&self) -> &[String] {
        &self.probe.class_names
    }

    /// Per-painter probabilities of each image (standardized here; with patches, the normalized
    /// geometric mean over the image's patches).
    pub fn predict(&self, images: Vec<RgbImage>, device: &Device) -> Result<Vec<Prediction>> {
        let samples = self.features.of_images(images, device, |_| {})?;
        (0..samples.len())
            .map(|i| {
                let p = self.probe.predict_sample_proba(&samples, i)?;
                Ok(Prediction {
                    probabilities: p.into_iter().map(|v| v as f32).collect(),
                })
            })
            .collect()
    }

    /// Predicts image files, one result per file: a file that cannot be read or decoded gets its
    /// own error and the others are still predicted.
    pub fn predict_files(
        &self,
        paths: &[std::path::PathBuf],
        device: &Device,
    ) -> Vec<Result<Prediction>> {
        let read: Vec<Result<RgbImage>> = paths.iter().map(|p| read_image(p)).collect();
        let images: Vec<RgbImage> = read
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        let mut predicted = match self.predict(images, device) {
            Ok(p) => p.into_iter(),
            Err(e) => {
                let message = e.to_string();
                return read
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(ClassifyError::Prediction(message.clone()))))
                    .collect();
            }
        };
        read.into_iter()
            .map(|r| {
                r.and_then(|_| {
                    predicted
                        .next()
                        .ok_or_else(|| ClassifyError::Prediction("a prediction is missing".into()))
                })
            })
            .collect()
    }

    /// Writes the model into `dir` (created): the encoder's weights (`encoder.safetensors`, and
    /// `encoder-2.safetensors`, ... for the further encoders of an ensemble), then the
    /// description, each atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
        let statistics = &self.features.statistics;
        for (k, encoder) in statistics.encoders().iter().enumerate() {
            let tensors = encoder.named_tensors_copied()?;
            write_tensors(&dir.join(encoder_file(k + 1)), &tensors)?;
        }
        let negative_slope = statistics.negative_slope();
        let more_encoders: Vec<CaeConfig> = statistics.encoders()[1..]
            .iter()
            .map(|e| e.config().clone())
            .collect();
        let scales = statistics.scales().to_vec();
        let desc = Description {
            format: if !self.probe.temperature.is_neutral() {
                FORMAT_TEMPERATURE
            } else if !is_one_scale(&scales) {
                FORMAT_SCALES
            } else if !more_encoders.is_empty() {
                FORMAT_ENSEMBLE
            } else if negative_slope == 0.0 {
                FORMAT
            } else {
                FORMAT_LEAKY
            }
            .into(),
            encoder: statistics.encoder().config().clone(),
            more_encoders,
            image_size: self.features.image_size,
            patch: self.features.patch,
            negative_slope,
            scales,
            probe: self.probe.clone(),
        };
        Ok(write_json(&dir.join(PROBE_FILE), &desc)?)
    }

    /// Whether `dir` holds a saved probe classifier.
    pub fn is_probe_dir(dir: &Path) -> bool {
        dir.join(PROBE_FILE).is_file()
    }

    /// Reads a model written by [`ProbeClassifier::save`], checking its parts against each other.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let path = dir.join(PROBE_FILE);
        if !path.is_file() {
            return Err(ClassifyError::MissingFile {
                dir: dir.to_path_buf(),
                file: PROBE_FILE.into(),
            });
        }
        let desc: Description = read_json(&path)?;
        let leaky = desc.negative_slope != 0.0;
        let ensemble = !desc.more_encoders.is_empty();
        let scaled = !is_one_scale(&desc.scales);
        let calibrated = !desc.probe.temperature.is_neutral();
        let known = match desc.format.as_str() {
            FORMAT => !leaky && !ensemble && !scaled && !calibrated,
            FORMAT_LEAKY => leaky && !ensemble && !scaled && !calibrated,
            FORMAT_ENSEMBLE => ensemble && !scaled && !calibrated,
            FORMAT_SCALES => scaled && !calibrated,
            FORMAT_TEMPERATURE => calibrated,
            _ => false,
        };
        if !known {
            return Err(ClassifyError::BadCheckpoint {
                dir: dir.to_path_buf(),
                message: format!(
                    "format `{}` with negative slope {}, {} encoder(s), scales {:?} and temperature {}, expected `{FORMAT}` (one encoder, slope 0, scale 1), `{FORMAT_LEAKY}` (one encoder, another slope, scale 1), `{FORMAT_ENSEMBLE}` (several encoders, scale 1), `{FORMAT_SCALES}` (several scales) or `{FORMAT_TEMPERATURE}` (a temperature other than 1)",
                    desc.format,
                    desc.negative_slope,
                    1 + desc.more_encoders.len(),
                    desc.scales,
                    desc.probe.temperature.value
                ),
            });
        }
        let load_encoder = |k: usize, config: &CaeConfig| -> Result<PretrainedEncoder> {
            let file = encoder_file(k);
            let weights = dir.join(&file);
            if !weights.is_file() {
                return Err(ClassifyError::MissingFile {
                    dir: dir.to_path_buf(),
                    file,
                });
            }
            let tensors =
                read_tensors(&weights, device).map_err(|e| ClassifyError::BadCheckpoint {
                    dir: dir.to_path_buf(),
                    message: e.to_string(),
                })?;
            PretrainedEncoder::from_tensors(config, |n| tensors.get(n).cloned(), device)
        };
        let mut statistics = ChannelStatistics::new(load_encoder(1, &desc.encoder)?);
        for (i, config) in desc.more_encoders.iter().enumerate() {
            let encoder = load_encoder(i + 2, config)?;
            statistics =
                statistics
                    .with_encoder(encoder)
                    .map_err(|e| ClassifyError::BadCheckpoint {
                        dir: dir.to_path_buf(),
                        message: e.to_string(),
                    })?;
        }
        // The probe's own consistency (sizes, finite values) is checked as when it is loaded alone.
        let probe_check = LinearProbe::from_json_value(desc.probe).map_err(|message| {
            ClassifyError::BadCheckpoint {
                dir: dir.to_path_buf(),
                message,
            }
        })?;
        statistics
            .with_negative_slope(desc.negative_slope)
            .and_then(|statistics| statistics.with_scales(desc.scales))
            .and_then(|statistics| {
                Self::new(
                    StatisticsFeatures {
                        statistics,
                        image_size: desc.image_size,
                        patch: desc.patch,
                    },
                    probe_check,
                )
            })
            .map_err(|e| ClassifyError::BadCheckpoint {
                dir: dir.to_path_buf(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear_probe::LinearProbeConfig;
    use crate::temperature::Temperature;
    use painter_data::{Dataset, SyntheticPainters};

    /// A probe fitted on synthetic painters, its statistics read with `slope`, and its images.
    fn fitted(slope: f64) -> (ProbeClassifier, Vec<RgbImage>) {
        fitted_on(slope, 1)
    }

    /// The same with the statistics of `encoders` encoders (the further ones with other filters).
    fn fitted_on(slope: f64, encoders: usize) -> (ProbeClassifier, Vec<RgbImage>) {
        fitted_at(slope, encoders, vec![1])
    }

    /// The same with the statistics read at `scales`.
    fn fitted_at(
        slope: f64,
        encoders: usize,
        scales: Vec<usize>,
    ) -> (ProbeClassifier, Vec<RgbImage>) {
        let data = SyntheticPainters::new(2, 6, 32, 0).unwrap();
        let cae = CaeConfig::tiny(32);
        let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
        let mut statistics = ChannelStatistics::new(encoder);
        for k in 1..encoders {
            let other = CaeConfig {
                filters: vec![3, 2 + k],
                ..cae.clone()
            };
            let encoder = PretrainedEncoder::seeded(&other, k as u64, &Device::Cpu).unwrap();
            statistics = statistics.with_encoder(encoder).unwrap();
        }
        let features = StatisticsFeatures {
            statistics: statistics
                .with_negative_slope(slope)
                .unwrap()
                .with_scales(scales)
                .unwrap(),
            image_size: 32,
            patch: Some(16),
        };
        let cfg = LinearProbeConfig {
            c_grid: vec![1.0],
            ..LinearProbeConfig::default()
        };
        let model = ProbeClassifier::fit(features, &data, &cfg, &Device::Cpu).unwrap();
        let images = (0..data.len()).map(|i| data.get(i).unwrap().image);
        (model, images.collect())
    }

    /// Asserts that two models give identical probabilities on `images`.
    fn assert_same_predictions(a: &ProbeClassifier, b: &ProbeClassifier, images: Vec<RgbImage>) {
        let before = a.predict(images.clone(), &Device::Cpu).unwrap();
        let after = b.predict(images, &Device::Cpu).unwrap();
        assert_eq!(before.len(), after.len());
        for (x, y) in before.iter().zip(&after) {
            assert_eq!(x.probabilities, y.probabilities);
        }
    }

    fn description(dir: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(PROBE_FILE)).unwrap()).unwrap()
    }

    #[test]
    fn the_slope_survives_saving_and_only_a_leaky_model_changes_format() {
        let tmp = tempfile::tempdir().unwrap();
        for slope in [0.0, 0.1] {
            let (model, images) = fitted(slope);
            let dir = tmp.path().join(format!("slope-{slope}"));
            model.save(&dir).unwrap();
            let desc = description(&dir);
            if slope == 0.0 {
                assert_eq!(desc["format"], FORMAT);
                assert!(desc.get("negative_slope").is_none());
            } else {
                assert_eq!(desc["format"], FORMAT_LEAKY);
                assert_eq!(desc["negative_slope"], slope);
            }
            let loaded = ProbeClassifier::load(&dir, &Device::Cpu).unwrap();
            assert_eq!(loaded.features().statistics.negative_slope(), slope);
            assert_same_predictions(&model, &loaded, images);
        }
    }

    #[test]
    fn a_temperature_survives_saving_under_its_own_format_and_is_refused_elsewhere() {
        let tmp = tempfile::tempdir().unwrap();
        let (plain, images) = fitted_on(0.1, 2);
        let mut probe = plain.probe().clone();
        probe.temperature = Temperature { value: 2.0 };
        let model = ProbeClassifier::new(plain.features().clone(), probe).unwrap();
        model.save(tmp.path()).unwrap();
        let desc = description(tmp.path());
        assert_eq!(desc["format"], FORMAT_TEMPERATURE);
        let loaded = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap();
        assert_eq!(loaded.probe().temperature.value, 2.0);
        assert_same_predictions(&model, &loaded, images.clone());
        // Softer than the unscaled model, same ranking.
        let hot = model.predict(images.clone(), &Device::Cpu).unwrap();
        let cold = plain.predict(images, &Device::Cpu).unwrap();
        for (h, c) in hot.iter().zip(&cold) {
            assert_eq!(h.best(), c.best());
            assert!(h.probabilities[h.best()] <= c.probabilities[c.best()] + 1e-6);
        }
        // Under an older format the temperature would be ignored: refused.
        let mut older = desc;
        older["format"] = FORMAT_ENSEMBLE.into();
        std::fs::write(
            tmp.path().join(PROBE_FILE),
            serde_json::to_vec(&older).unwrap(),
        )
        .unwrap();
        let err = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("temperature 2"), "{err}");
    }

    #[test]
    fn a_slope_under_the_wrong_format_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (model, _) = fitted(0.1);
        model.save(tmp.path()).unwrap();
        let path = tmp.path().join(PROBE_FILE);
        let mut desc = description(tmp.path());
        // A slope under the first format: a program that knows only that format would drop it.
        desc["format"] = FORMAT.into();
        std::fs::write(&path, serde_json::to_vec(&desc).unwrap()).unwrap();
        let err = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("negative slope 0.1"), "{err}");
        // The leaky format without a slope is refused too, and so is a slope out of range.
        desc["format"] = FORMAT_LEAKY.into();
        desc["negative_slope"] = 0.0.into();
        std::fs::write(&path, serde_json::to_vec(&desc).unwrap()).unwrap();
        assert!(ProbeClassifier::load(tmp.path(), &Device::Cpu).is_err());
        desc["negative_slope"] = 2.0.into();
        std::fs::write(&path, serde_json::to_vec(&desc).unwrap()).unwrap();
        let err = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("[0, 1]"), "{err}");
    }

    #[test]
    fn an_ensemble_survives_saving_under_its_own_format() {
        let tmp = tempfile::tempdir().unwrap();
        for slope in [0.0, 0.1] {
            let (model, images) = fitted_on(slope, 3);
            let dir = tmp.path().join(format!("slope-{slope}"));
            model.save(&dir).unwrap();
            let desc = description(&dir);
            assert_eq!(desc["format"], FORMAT_ENSEMBLE);
            assert_eq!(desc["more_encoders"].as_array().unwrap().len(), 2);
            for file in [
                ENCODER_FILE,
                "encoder-2.safetensors",
                "encoder-3.safetensors",
            ] {
                assert!(dir.join(file).is_file(), "{file}");
            }
            let loaded = ProbeClassifier::load(&dir, &Device::Cpu).unwrap();
            let statistics = &loaded.features().statistics;
            assert_eq!(statistics.encoders().len(), 3);
            assert_eq!(statistics.encoders()[2].config().filters, vec![3, 4]);
            assert_eq!(statistics.negative_slope(), slope);
            assert_eq!(statistics.names(), model.features().statistics.names());
            assert_same_predictions(&model, &loaded, images);
        }
    }

    #[test]
    fn a_damaged_ensemble_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (model, _) = fitted_on(0.0, 2);
        model.save(tmp.path()).unwrap();
        let path = tmp.path().join(PROBE_FILE);
        let desc = description(tmp.path());
        // Under an older format, the further encoders would be dropped: refused.
        let mut older = desc.clone();
        older["format"] = FORMAT.into();
        std::fs::write(&path, serde_json::to_vec(&older).unwrap()).unwrap();
        let err = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("2 encoder(s)"), "{err}");
        // The ensemble format with one encoder is refused too.
        let mut single = desc.clone();
        single.as_object_mut().unwrap().remove("more_encoders");
        std::fs::write(&path, serde_json::to_vec(&single).unwrap()).unwrap();
        assert!(ProbeClassifier::load(tmp.path(), &Device::Cpu).is_err());
        // A further encoder whose weights are missing or of another shape.
        std::fs::write(&path, serde_json::to_vec(&desc).unwrap()).unwrap();
        let second = tmp.path().join("encoder-2.safetensors");
        let saved = std::fs::read(&second).unwrap();
        std::fs::remove_file(&second).unwrap();
        let err = ProbeClassifier::load(tmp.path(), &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("encoder-2.safetensors"), "{err}");
        std::fs::write(&second, saved).unwrap();
        let mut reshaped = desc;
        reshaped["more_encoders"][0]["filters"] = serde_json::json!([3, 9]);
        std::fs::write(&path, serde_json::to_vec(&reshaped).unwrap()).unwrap();
        assert!(ProbeClassifier::load(tmp.path(), &Device::Cpu).is_err());
    }

    #[test]
    fn scales_survive_saving_under_their_own_format_and_are_refused_elsewhere() {
        let tmp = tempfile::tempdir().unwrap();
        for (slope, encoders) in [(0.0, 1), (0.1, 2)] {
            let (model, images) = fitted_at(slope, encoders, vec![1, 2]);
            let dir = tmp.path().join(format!("{slope}-{encoders}"));
            model.save(&dir).unwrap();
            let desc = description(&dir);
            assert_eq!(desc["format"], FORMAT_SCALES);
            assert_eq!(desc["scales"], serde_json::json!([1, 2]));
            let loaded = ProbeClassifier::load(&dir, &Device::Cpu).unwrap();
            let statistics = &loaded.features().statistics;
            assert_eq!(statistics.scales(), &[1, 2]);
            assert_eq!(statistics.encoders().len(), encoders);
            assert_eq!(statistics.negative_slope(), slope);
            assert_same_predictions(&model, &loaded, images);
        }
        // One scale keeps the older formats, without a `scales` field.
        let (single, _) = fitted_at(0.0, 1, vec![1]);
        let dir = tmp.path().join("single");
        single.save(&dir).unwrap();
        assert!(description(&dir).get("scales").is_none());
        assert_eq!(description(&dir)["format"], FORMAT);
        // Scales under an older format would be read at one scale by an older program: refused.
        let dir = tmp.path().join("0.1-2");
        let path = dir.join(PROBE_FILE);
        let desc = description(&dir);
        let mut older = desc.clone();
        older["format"] = FORMAT_ENSEMBLE.into();
        std::fs::write(&path, serde_json::to_vec(&older).unwrap()).unwrap();
        let err = ProbeClassifier::load(&dir, &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("scales [1, 2]"), "{err}");
        // The scales format with one scale, and bad scales, are refused too.
        let mut one = desc.clone();
        one["scales"] = serde_json::json!([1]);
        std::fs::write(&path, serde_json::to_vec(&one).unwrap()).unwrap();
        assert!(ProbeClassifier::load(&dir, &Device::Cpu).is_err());
        let mut repeated = desc;
        repeated["scales"] = serde_json::json!([2, 2]);
        std::fs::write(&path, serde_json::to_vec(&repeated).unwrap()).unwrap();
        let err = ProbeClassifier::load(&dir, &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("distinct"), "{err}");
    }
}
