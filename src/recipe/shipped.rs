//! The recipes shipped in `recipes/`, compiled into the program so that `--recipe NAME` works from
//! any folder.

/// Every shipped recipe: its name and its text.
pub const SHIPPED: [(&str, &str); 4] = [
    ("quick", include_str!("../../recipes/quick.toml")),
    ("paper", include_str!("../../recipes/paper.toml")),
    ("best", include_str!("../../recipes/best.toml")),
    ("best-3x40", include_str!("../../recipes/best-3x40.toml")),
];

/// The text of the shipped recipe `name`, if there is one.
pub fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
