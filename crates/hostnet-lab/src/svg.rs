//! The timeline as an SVG: one strip per probe direction, green where packets got through and
//! red where they were lost, with each injected fault marked.

use std::fmt::Write;

use crate::report::LabReport;

pub fn timeline(r: &LabReport) -> String {
    let (left, top, row_h, gap) = (140.0, 40.0, 22.0, 8.0);
    let width = 1000.0;
    let plot_w = width - left - 20.0;
    let rows = r.timeline.len() as f64;
    let height = top + rows * (row_h + gap) + 120.0;
    let x = |ms: f64| left + plot_w * (ms / r.total_ms.max(1.0));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#fff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{} — {}</text>"#,
        esc(&r.scenario),
        esc(&r.description)
    );
    for (i, f) in r.timeline.iter().enumerate() {
        let y = top + i as f64 * (row_h + gap);
        let _ = writeln!(s, r#"<text x="10" y="{}">{}</text>"#, y + row_h * 0.7, esc(&f.name));
        for (b, d) in f.delivered.iter().enumerate() {
            let x0 = x(b as f64 * f.bucket_ms);
            let x1 = x((b + 1) as f64 * f.bucket_ms).min(left + plot_w);
            let color = if *d >= 0.999 {
                "#2e9d4f"
            } else if *d <= 0.001 {
                "#d62728"
            } else {
                "#f0a030"
            };
            let _ = writeln!(
                s,
                r#"<rect x="{x0:.1}" y="{y}" width="{:.2}" height="{row_h}" fill="{color}"/>"#,
                (x1 - x0).max(0.3)
            );
        }
    }
    let axis_y = top + rows * (row_h + gap);
    let _ = writeln!(s, r##"<line x1="{left}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#333"/>"##, left + plot_w);
    let tick = if r.total_ms > 30_000.0 { 5000.0 } else { 1000.0 };
    let mut t = 0.0;
    while t <= r.total_ms {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{axis_y}" x2="{0:.1}" y2="{1}" stroke="#333"/><text x="{0:.1}" y="{2}" text-anchor="middle">{3}s</text>"##,
            x(t),
            axis_y + 4.0,
            axis_y + 16.0,
            t / 1000.0
        );
        t += tick;
    }
    for (i, st) in r.steps.iter().enumerate().skip(1) {
        let xx = x(st.at_ms);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{}" x2="{xx:.1}" y2="{axis_y}" stroke="#000" stroke-dasharray="3,3"/>"##,
            top - 6.0
        );
        let label_y = axis_y + 32.0 + (i % 4) as f64 * 14.0;
        let _ = writeln!(s, r#"<text x="{:.1}" y="{label_y}">{}</text>"#, xx + 2.0, esc(&st.action));
    }
    s.push_str("</svg>\n");
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
