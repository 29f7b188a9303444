//! The web viewer as one self-contained HTML file: `assets/viewer/` with its
//! stylesheet and scripts inlined and the viewer JSON embedded, so the file
//! opens from disk with no server and no network.

/// The page, whose `<link>` and `<script src>` tags below are replaced.
const INDEX: &str = include_str!("../../../../assets/viewer/index.html");
const STYLESHEET_TAG: &str = r#"<link rel="stylesheet" href="viewer.css">"#;
const STYLESHEET: &str = include_str!("../../../../assets/viewer/viewer.css");
// The scripts, in the order `index.html` loads them (the shared model and
// board, one renderer per game in `games/`, the panels, charts and
// controls), each with its text: written by `build.rs` from the page.
include!(concat!(env!("OUT_DIR"), "/viewer_scripts.rs"));

/// The viewer's scripts as `assets/viewer/index.html` loads them (name
/// relative to the page, text): what the game server serves beside the page.
pub fn viewer_scripts() -> &'static [(&'static str, &'static str)] {
    SCRIPTS
}
/// The empty data element the viewer reads its JSON from.
const DATA_OPEN: &str = r#"<script id="replay-data" type="application/json">"#;
const DATA_SLOT: &str = r#"<script id="replay-data" type="application/json"></script>"#;

/// Returns the viewer page with `viewer_json` (the document of
/// [`viewer_json`](super::viewer_json)) embedded.
///
/// The JSON goes inside a `<script>` element, where the HTML parser ends the
/// element at the first `</script` whatever the JSON means. Log lines come
/// from bots, so every `<` is written `\u003c`: still the same JSON, and no
/// tag, comment or `</script` can appear in it.
pub fn render_html(viewer_json: &str) -> String {
    let mut page = INDEX.replacen(STYLESHEET_TAG, &format!("<style>\n{STYLESHEET}</style>"), 1);
    for &(name, source) in SCRIPTS {
        let tag = format!(r#"<script src="{name}"></script>"#);
        page = page.replacen(&tag, &format!("<script>\n{source}</script>"), 1);
    }
    let data = escape_for_script(viewer_json);
    page.replacen(DATA_SLOT, &format!("{DATA_OPEN}{data}</script>"), 1)
}

/// JSON text made safe to place inside a `<script>` element.
fn escape_for_script(json: &str) -> String {
    json.replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The text of the data element of a rendered page.
    fn embedded_data(page: &str) -> &str {
        let start = page.find(DATA_OPEN).expect("the data element") + DATA_OPEN.len();
        let len = page[start..].find("</script>").expect("its end");
        &page[start..start + len]
    }

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.to_ascii_lowercase().matches(needle).count()
    }

    #[test]
    fn the_template_has_each_slot_once() {
        assert_eq!(INDEX.matches(STYLESHEET_TAG).count(), 1);
        assert_eq!(INDEX.matches(DATA_SLOT).count(), 1);
        for (name, _) in SCRIPTS {
            let tag = format!(r#"<script src="{name}"></script>"#);
            assert_eq!(INDEX.matches(&tag).count(), 1, "{tag}");
        }
    }

    #[test]
    fn everything_is_inlined() {
        let page = render_html("{}");
        assert!(!page.contains("<link"), "a stylesheet is still linked");
        assert!(!page.contains("<script src"), "a script is still linked");
        assert!(page.contains("window.lockstepViewer"));
        assert!(page.contains(".canvas-wrap"));
        // Nothing from the network: the one URL is the SVG namespace's name.
        let urls = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!urls.contains("://"), "the page names a URL");
    }

    #[test]
    fn the_assets_cannot_end_their_own_elements() {
        for &(name, source) in SCRIPTS {
            assert_eq!(count(source, "</script"), 0, "{name}");
            assert_eq!(count(source, "<!--"), 0, "{name}");
        }
        assert_eq!(count(STYLESHEET, "</style"), 0);
    }

    #[test]
    fn a_hostile_log_line_stays_inside_the_data() {
        let hostile = "</script><script>alert(1)</script><!-- </SCRIPT >";
        let document =
            json!({"format": "lockstep-viewer/1", "ticks": [{"bots": [{"logs": [hostile]}]}]});
        let page = render_html(&document.to_string());
        // Only the page's own script elements close: the data's and the scripts'.
        assert_eq!(count(&page, "</script"), 1 + SCRIPTS.len());
        let data = embedded_data(&page);
        assert!(!data.contains('<'));
        let back: Value = serde_json::from_str(data).expect("still JSON");
        assert_eq!(back, document);
        assert_eq!(back["ticks"][0]["bots"][0]["logs"][0], hostile);
    }

    #[test]
    fn the_data_is_placed_unchanged_when_it_has_no_angle_bracket() {
        let json = r#"{"format":"lockstep-viewer/1","a":"x > y & z"}"#;
        assert_eq!(embedded_data(&render_html(json)), json);
    }
}
