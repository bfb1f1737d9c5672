//! Report HTML: the in-app preview and a standalone file that prints to A4.
//!
//! The markdown holds text from the records, which anyone with write access to the
//! repository controls, so the HTML is sanitised while it is made rather than after:
//! raw HTML in the markdown is shown as text, links keep only `http`, `https`,
//! `mailto` and in-document targets, and images become their alternative text. The
//! only markup that does not come from pulldown-cmark is the heat map, which is built
//! here from numbers.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use super::heatmap::{HeatTones, TONE_COLOURS};
use super::Report;

/// The markdown extensions reports use.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// The CSS class of a cell's tone: `tone-0` (the worst band) to `tone-5`, or `none`.
fn tone_class(tone: Option<u8>) -> String {
    tone.map_or_else(|| "none".to_string(), |t| format!("tone-{t}"))
}

/// The CSS rules of the tones, from the one palette ([`TONE_COLOURS`]).
fn tone_css() -> String {
    TONE_COLOURS
        .iter()
        .enumerate()
        .map(|(t, (r, g, b))| format!("td.tone-{t} {{ background: #{r:02x}{g:02x}{b:02x}; }}\n"))
        .collect()
}

/// Text made safe to place in HTML, in an element or an attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') && !scheme.contains('#') => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// The body of a report as sanitised HTML, its heat maps drawn.
pub fn body(markdown: &str) -> String {
    render(markdown, Drawn::HeatMaps)
}

/// Markdown a person wrote (a risk's narrative) as sanitised HTML, with the same rules
/// as reports: raw HTML comes out as text, links keep only safe targets, images become
/// their alternative text. The desktop app shows record text only through this.
pub fn markdown(text: &str) -> String {
    render(text, Drawn::TextOnly)
}

/// Whether heat-map directives are honoured: in reports, which the tool wrote; never
/// in text a person wrote, where a directive is shown as the text it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drawn {
    HeatMaps,
    TextOnly,
}

fn render(markdown: &str, drawn: Drawn) -> String {
    let mut events: Vec<Event> = Vec::new();
    let mut skip_link_end: Vec<bool> = Vec::new();
    let mut heatmap_next: Option<HeatTones> = None;
    let mut table: Option<(HeatTones, Vec<Vec<String>>)> = None;
    for event in Parser::new_ext(markdown, options()) {
        if let Some((_, rows)) = table.as_mut() {
            match event {
                Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    if let Some(row) = rows.last_mut() {
                        row.push(String::new());
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
                        cell.push_str(&t);
                    }
                }
                Event::End(TagEnd::Table) => {
                    let (bands, rows) = table.take().unwrap_or_default();
                    events.push(Event::Html(CowStr::from(heatmap_html(&rows, &bands))));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Html(t) | Event::InlineHtml(t) => {
                if let Some(bands) = HeatTones::parse(&t).filter(|_| drawn == Drawn::HeatMaps) {
                    heatmap_next = Some(bands);
                } else {
                    events.push(Event::Text(t));
                }
            }
            Event::Start(Tag::Table(_)) if heatmap_next.is_some() => {
                table = heatmap_next.take().map(|bands| (bands, Vec::new()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let safe = safe_link(&dest_url);
                skip_link_end.push(!safe);
                if safe {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if !skip_link_end.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            // The directive comes wrapped in an HTML block; only the table may follow.
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            other => {
                heatmap_next = None;
                events.push(other);
            }
        }
    }
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// A heat map from the cells of its markdown table: header row of likelihood levels,
/// then one row per impact level. Each cell is coloured by the band its directive gives.
fn heatmap_html(rows: &[Vec<String>], bands: &HeatTones) -> String {
    let mut out = String::from("<table class=\"heatmap\">\n");
    let Some((header, body)) = rows.split_first() else {
        return out + "</table>\n";
    };
    out.push_str("<thead><tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in body.iter().enumerate() {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("<th>{}</th>", escape(c)));
                continue;
            }
            let empty = if c.trim() == "0" { " empty" } else { "" };
            out.push_str(&format!(
                "<td class=\"{}{empty}\">{}</td>",
                tone_class(bands.at(r, i - 1)),
                escape(c)
            ));
        }
        out.push_str("</tr>\n");
    }
    out + "</tbody>\n</table>\n"
}

const STYLE: &str = r#"
@page { size: A4; margin: 22mm 18mm 20mm 18mm;
  @top-left { content: var(--title); font-size: 8pt; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; color: #1a1a1a; max-width: 180mm; margin: 0 auto; }
header.report, footer.report { font-size: 8pt; color: #555; display: flex; justify-content: space-between; border-bottom: 0.5pt solid #999; padding: 2mm 0; }
footer.report { border-bottom: 0; border-top: 0.5pt solid #999; margin-top: 8mm; }
.classification { font-weight: bold; text-transform: uppercase; }
.confidential .classification { color: #b00020; }
h1 { font-size: 20pt; margin: 6mm 0 2mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 0.5pt solid #ccc; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
h4 { font-size: 10pt; margin: 3mm 0 1mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 3mm; font-size: 8.5pt; }
th, td { border: 0.5pt solid #bbb; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
thead th { background: #eef1f5; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; }
table.heatmap { width: auto; }
table.heatmap td { width: 17mm; height: 8mm; text-align: center; vertical-align: middle; font-weight: bold; }
td.empty { color: #777; font-weight: normal; }
"#;

/// A standalone HTML document of a report: a strict content security policy (no
/// scripts, no remote anything), the header and footer facts, and print CSS for A4.
pub fn document(report: &Report) -> String {
    let m = &report.meta;
    let class = if m.classification == "Confidential" {
        "confidential"
    } else {
        "internal"
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{title}</title>\n<style>{STYLE}{tones}:root {{ --title: \"{css_title}\"; }}</style>\n</head>\n\
         <body class=\"{class}\">\n<header class=\"report\"><span>{org} · {title}</span>\
         <span class=\"classification\">{classification}</span></header>\n<main>\n{body}</main>\n\
         <footer class=\"report\"><span>{version} · source commit {commit}</span><span>{tool}</span></footer>\n\
         </body>\n</html>\n",
        tones = tone_css(),
        title = escape(&m.title),
        css_title = m.title.replace(['"', '\\', '<', '>'], ""),
        org = escape(&m.organisation),
        classification = escape(&m.classification),
        body = body(&report.markdown),
        version = escape(&m.version),
        commit = escape(m.commit.as_str()),
        tool = escape(&m.tool),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_markdown_is_sanitised_like_reports() {
        let html = markdown("**Bold** <script>x()</script> [a](javascript:alert(1)) ![i](x.png)\n");
        assert!(html.contains("<strong>Bold</strong>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn raw_html_in_record_text_is_shown_as_text() {
        let html = body("Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn unsafe_links_lose_their_target_and_images_become_text() {
        let html =
            body("[click](javascript:alert(1)) [ok](https://example.org) ![logo](http://x/y.png)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("click"));
        assert!(html.contains("href=\"https://example.org\""));
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("logo"));
    }

    #[test]
    fn a_heatmap_table_gets_band_colours() {
        let md = "<!-- isms:heatmap 3 0 | 5 5 -->\n| I/L | 1 Rare | 5 Almost certain |\n|---|:-:|:-:|\n| 5 Severe | 0 | 2 |\n| 1 Negligible | 1 | 0 |\n";
        let html = body(md);
        assert!(html.contains("<td class=\"tone-0\">2</td>"), "{html}");
        assert!(html.contains("<td class=\"tone-5\">1</td>"), "{html}");
        assert!(html.contains("<td class=\"tone-5 empty\">0</td>"), "{html}");
        assert!(tone_css().contains("td.tone-0 { background: #e57373; }"));
        assert!(!html.contains("isms:heatmap"));
    }
}
