//! Tauri's build step. The UI is built by `cargo xtask` (npm) before the app; when it has not been
//! built yet, an explanatory page stands in so a plain `cargo build` still compiles.

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        let _ = std::fs::create_dir_all(dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>卡点登记</title>\
             <p>界面尚未构建：请运行 <code>cargo xtask run</code>。<br>\
             The UI has not been built: run <code>cargo xtask run</code>.</p>",
        );
    }
    tauri_build::build()
}
