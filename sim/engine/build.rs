//! The viewer's scripts, as `assets/viewer/index.html` lists them: the
//! single page `lockstep replay html` writes inlines each. Adding a game's
//! renderer is then one `<script>` line in the page, not a list here too.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let viewer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/viewer");
    let viewer = viewer.canonicalize().expect("assets/viewer exists");
    let index_path = viewer.join("index.html");
    println!("cargo:rerun-if-changed={}", index_path.display());
    let index = std::fs::read_to_string(&index_path).expect("assets/viewer/index.html reads");
    let mut out =
        String::from("/// The scripts `index.html` loads, in its order, with their text.\n");
    out.push_str("const SCRIPTS: &[(&str, &str)] = &[\n");
    for part in index.split("<script src=\"").skip(1) {
        let name = part.split('"').next().unwrap_or_default();
        let path = viewer.join(name);
        assert!(
            path.is_file() && !name.contains(".."),
            "assets/viewer/index.html loads {name:?}, which is not a file of assets/viewer"
        );
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("viewer_scripts.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
