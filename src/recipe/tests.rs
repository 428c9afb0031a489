use super::*;
use painter_cae::OptimizerConfig;

fn set(text: &str) -> Assignment {
    Assignment::parse(text).unwrap()
}

fn error(source: &str, sets: &[&str]) -> String {
    let sets: Vec<Assignment> = sets.iter().map(|s| set(s)).collect();
    Recipe::load(source, &sets).unwrap_err().to_string()
}

/// Each `(recipe, assignment, text)`: the assignment on the recipe is refused with an error
/// that contains the text.
fn assert_errors_name(cases: &[(&str, &str, &str)]) {
    for (source, assignment, text) in cases {
        let e = error(source, &[assignment]);
        assert!(
            e.contains(text),
            "{source} with {assignment}: `{text}` not in {e}"
        );
    }
}

#[test]
fn every_shipped_recipe_loads_and_says_what_it_is() {
    for (name, _) in SHIPPED {
        let r = Recipe::load(name, &[]).unwrap_or_else(|e| panic!("recipe {name}: {e}"));
        assert_eq!(r.name, name);
        assert!(r.version >= 1 && !r.description.is_empty(), "{name}");
        assert_eq!(r.label(), format!("{name}@{}", r.version));
    }
    let best = Recipe::load("best", &[]).unwrap();
    assert_eq!(best.encoders.len(), 3);
    let crops: Vec<usize> = best.encoders.iter().map(|e| e.pretraining.crops).collect();
    let seeds: Vec<u64> = best.encoders.iter().map(|e| e.seed).collect();
    assert_eq!((crops, seeds), (vec![4, 8, 8], vec![0, 0, 1]));
    assert!(best
        .encoders
        .iter()
        .all(|e| e.pretraining.pixel_dropout == 0.0));
    let paper = Recipe::load("paper", &[]).unwrap();
    assert_eq!(paper.cae.filters, vec![100, 200]);
    assert_eq!(
        paper.encoders[0].pretraining.optimizer,
        OptimizerConfig::paper_sgd()
    );
    assert!(matches!(paper.classifier, ClassifierRecipe::Dense(ref d) if d.hidden == [400, 200]));
}

#[test]
fn a_resolved_recipe_reads_back_to_the_same_recipe_with_its_run_table() {
    let sets = [set("pretraining.epochs=2"), set("encoders.1.seed=5")];
    let best = Recipe::load("best", &sets).unwrap();
    let run: Table = "data = \"paintings\"\nfolds = 5\n".parse().unwrap();
    let text = best.to_toml(Some(&run)).unwrap();
    let again = Recipe::parse("resolved", &text, &[]).unwrap();
    assert_eq!(again.run.as_ref(), Some(&run));
    assert_eq!(
        Recipe {
            run: None,
            origin: String::new(),
            ..again
        },
        Recipe {
            run: None,
            origin: String::new(),
            ..best.clone()
        }
    );
    assert_eq!(best.encoders[1].seed, 5);
    assert!(best.encoders.iter().all(|e| e.pretraining.epochs == 2));
    // Encoder 0 keeps its own crops over [pretraining]'s.
    assert_eq!(best.encoders[0].pretraining.crops, 4);
}

#[test]
fn keys_of_another_variant_are_refused_naming_the_variant() {
    let e = error("quick", &["classifier.patience=3"]);
    assert!(
        e.contains("`classifier.patience`") && e.contains("probe classifier"),
        "{e}"
    );
    assert!(
        e.contains("c_grid"),
        "the error lists the probe's keys: {e}"
    );
    assert_errors_name(&[
        ("paper", "classifier.c_grid=[1.0]", "dense classifier"),
        (
            "quick",
            "pretraining.optimizer.momentum=0.9",
            "adam_w optimizer",
        ),
        ("quick", "cae.colour=true", "`cae.colour`"),
        (
            "quick",
            "encoders.0.patch_size=64",
            "`encoders.0.patch_size`",
        ),
        ("quick", "encoders.0.patch_size=64", "an encoder"),
        ("quick", "nonsense.key=1", "not a section"),
    ]);
}

#[test]
fn choosing_another_variant_starts_its_section_from_that_variants_defaults() {
    let dense = Recipe::load("best-3x40", &[set("classifier.kind=dense")]);
    // best-3x40 has one encoder: the dense head may start from it.
    let dense = dense.unwrap();
    assert_eq!(
        dense.classifier,
        ClassifierRecipe::Dense(DenseRecipe::default())
    );
    let sgd = Recipe::load("quick", &[set("pretraining.optimizer.kind=sgd")]).unwrap();
    assert_eq!(
        sgd.encoders[0].pretraining.optimizer,
        OptimizerConfig::paper_sgd()
    );
    let paper = Recipe::load("quick", &[set("cae.preset=paper")]).unwrap();
    assert_eq!(paper.cae, CaeConfig::paper());
    // Several encoders cannot feed one dense head.
    let e = error("best", &["classifier.kind=dense"]);
    assert!(e.contains("3 [[encoders]]"), "{e}");
}

#[test]
fn an_encoder_may_choose_its_own_optimizer() {
    let text = format!(
        "{}\n[[encoders]]\nseed = 1\n[encoders.optimizer]\nkind = \"sgd\"\nlr = 0.05\n",
        shipped("quick").unwrap()
    );
    let r = Recipe::parse("two", &text, &[]).unwrap();
    assert_eq!(r.encoders.len(), 2);
    assert_eq!(
        r.encoders[0].pretraining.optimizer,
        OptimizerConfig::adamw()
    );
    match r.encoders[1].pretraining.optimizer {
        OptimizerConfig::Sgd { lr, lr_decay, .. } => assert_eq!((lr, lr_decay), (0.05, 0.98)),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn values_out_of_range_are_named() {
    for (assignment, key) in [
        ("pretraining.epochs=0", "pretraining.epochs"),
        ("pretraining.pixel_dropout=1.5", "pretraining.pixel_dropout"),
        ("encoders.0.batch_size=0", "encoders.0.batch_size"),
        ("classifier.c_grid=[]", "classifier.c_grid"),
        ("classifier.scales=[2, 2]", "classifier.scales"),
        ("classifier.negative_slope=2", "classifier.negative_slope"),
        ("classifier.inner_folds=1", "classifier.inner_folds"),
        ("classifier.image_size=4", "classifier.image_size"),
        ("cae.filters=[]", "cae"),
        ("baseline.bins=0", "baseline"),
        ("version=0", "version"),
    ] {
        let e = error("quick", &[assignment]);
        assert!(e.contains(&format!("`{key}`")), "{assignment}: {e}");
    }
    assert_errors_name(&[
        // Patches larger than the image, crops from images no larger than the CAE's.
        (
            "best",
            "classifier.patch_size=512",
            "`classifier.patch_size`",
        ),
        ("best", "pretraining.crop_from=64", "crop_from"),
        // A value of the wrong type names its key in the quoted line.
        ("quick", "pretraining.epochs=\"many\"", "epochs"),
    ]);
}

#[test]
fn unknown_recipes_and_bad_files_give_clear_errors() {
    let e = error("fastest", &[]);
    assert!(
        e.contains("no recipe `fastest`") && e.contains("quick, paper, best"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "name = \"broken\"\n[cae\n").unwrap();
    let e = error(path.to_str().unwrap(), &[]);
    assert!(e.contains("broken.toml"), "{e}");
    std::fs::write(&path, "name = \"mine\"\nrun = 3\n").unwrap();
    assert!(error(path.to_str().unwrap(), &[]).contains("`run`"));
    std::fs::write(&path, "name = \"mine\"\n").unwrap();
    let mine = Recipe::load(path.to_str().unwrap(), &[]).unwrap();
    assert_eq!((mine.name.as_str(), mine.encoders.len()), ("mine", 1));
    assert_eq!(
        mine.classifier,
        ClassifierRecipe::Probe(ProbeRecipe::default())
    );
}
