//! The timeline as an SVG: one strip per probe direction, green where packets got through and
//! red where they were lost; under them one lane per link the kernel changed, a tick per event
//! (hover for what changed); each injected fault marked across both, labelled at its line with
//! what it cost. The title names the design (its bonds and their modes) and the lab file, so two
//! designs' pictures never look alike.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::LabReport;

const LEFT: f64 = 170.0;
/// Step labels sit in rows above the strips, each at its line: two lines of text per row.
const LABEL_ROWS: usize = 3;
const LABEL_ROW_H: f64 = 30.0;
const TOP: f64 = 52.0 + LABEL_ROWS as f64 * LABEL_ROW_H;
const ROW_H: f64 = 22.0;
const GAP: f64 = 8.0;
const LANE_H: f64 = 14.0;
const WIDTH: f64 = 1100.0;

/// Tick colour by what changed: carrier and MII red/green, LACP blue, bonding's choices purple.
fn color(what: &str, to: &str) -> &'static str {
    match what {
        "carrier" | "mii" if to == "up" => "#2e9d4f",
        "carrier" | "mii" => "#d62728",
        "actor" | "partner" | "port aggregator" | "partner system" => "#1f77b4",
        "aggregator" | "active port" | "port state" => "#9467bd",
        _ => "#7f7f7f",
    }
}

/// One event on a lane.
struct Tick {
    at_ms: f64,
    label: String,
    colour: &'static str,
}

/// The design in a line: each bond with its mode, ports and the options the lab found to matter
/// (`updelay`, `min_links`), e.g. `idmz1 802.3ad [e1p2 e3p2] · idmz balance-alb [idmz1 idmz2]`.
pub fn design_line(host: &hostnet_core::Config) -> String {
    use hostnet_core::model::Kind;
    let bonds: Vec<String> = host
        .interfaces
        .iter()
        .filter_map(|i| match &i.kind {
            Kind::Bond(b) => {
                let mut t = format!("{} {} [{}]", i.name, b.mode, b.ports.join(" "));
                if let Some(u) = b.updelay.filter(|u| *u > 0) {
                    let _ = write!(t, " updelay {u}");
                }
                if let Some(m) = b.min_links.filter(|m| *m > 0) {
                    let _ = write!(t, " min_links {m}");
                }
                Some(t)
            }
            _ => None,
        })
        .collect();
    if bonds.is_empty() { format!("{} interfaces, no bonds", host.interfaces.len()) } else { bonds.join(" · ") }
}

/// What a step cost, in the words of the text report.
fn cost(st: &crate::report::StepResult) -> String {
    if st.lost == 0 {
        return "no loss".into();
    }
    let back = match st.recovered_after_ms {
        Some(ms) if st.recovered => format!("back after {ms:.0} ms"),
        _ => "NOT recovered".into(),
    };
    format!("lost {} · outage {:.0} ms · {back}", st.lost, st.outage_ms)
}

/// The picture of one run. `design` names what was tested: [`design_line`] and the lab file.
pub fn timeline(r: &LabReport, design: &str, lab_file: &str) -> String {
    let plot_w = WIDTH - LEFT - 20.0;
    let rows = r.timeline.len() as f64;
    // Lanes: every (node, link) that changed, host first.
    let mut lanes: BTreeMap<(bool, String, String), Vec<Tick>> = BTreeMap::new();
    for s in &r.steps {
        for e in &s.events {
            let key = (e.event.node != "host", e.event.node.clone(), e.event.link.clone());
            let label = format!("{} {} → {}", e.event.what, e.event.from, e.event.to);
            let tick = Tick { at_ms: s.at_ms + e.after_ms, label, colour: color(&e.event.what, &e.event.to) };
            lanes.entry(key).or_default().push(tick);
        }
    }
    let loss_h = rows * (ROW_H + GAP);
    let lanes_top = TOP + loss_h + 12.0;
    let axis_y = lanes_top + lanes.len() as f64 * LANE_H + 6.0;
    let height = axis_y + 72.0;
    let x = |ms: f64| LEFT + plot_w * (ms / r.total_ms.max(1.0));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#fff"/>"##);
    let _ = writeln!(s, r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#, esc(design));
    let _ = writeln!(
        s,
        r#"<text x="10" y="38">{} · scenario {}: {}</text>"#,
        esc(lab_file),
        esc(&r.scenario),
        esc(&r.description)
    );
    for (i, f) in r.timeline.iter().enumerate() {
        let y = TOP + i as f64 * (ROW_H + GAP);
        let _ = writeln!(s, r#"<text x="10" y="{}">{}</text>"#, y + ROW_H * 0.7, esc(&f.name));
        // Adjacent buckets of one colour become one rectangle: no hairlines between them.
        let colour = |d: f32| {
            if d >= 0.999 {
                "#2e9d4f"
            } else if d <= 0.001 {
                "#d62728"
            } else {
                "#f0a030"
            }
        };
        let mut b = 0;
        while b < f.delivered.len() {
            let c = colour(f.delivered[b]);
            let mut e = b + 1;
            while e < f.delivered.len() && colour(f.delivered[e]) == c {
                e += 1;
            }
            let x0 = x(b as f64 * f.bucket_ms);
            let x1 = x(e as f64 * f.bucket_ms).min(LEFT + plot_w);
            let _ = writeln!(
                s,
                r#"<rect x="{x0:.1}" y="{y}" width="{:.2}" height="{ROW_H}" fill="{c}"/>"#,
                (x1 - x0).max(0.3)
            );
            b = e;
        }
    }
    for (i, ((_, node, link), evs)) in lanes.iter().enumerate() {
        let y = lanes_top + i as f64 * LANE_H;
        let name = if node == "host" { link.clone() } else { format!("{node}/{link}") };
        let _ = writeln!(s, r#"<text x="10" y="{:.1}" font-size="10">{}</text>"#, y + LANE_H * 0.75, esc(&name));
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/>"##,
            y + LANE_H / 2.0,
            LEFT + plot_w
        );
        for Tick { at_ms: t, label, colour } in evs {
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="2" height="{:.1}" fill="{}"><title>{} +{:.0} ms: {}</title></rect>"#,
                x(*t) - 1.0,
                y + 2.0,
                LANE_H - 4.0,
                colour,
                esc(&name),
                t,
                esc(label)
            );
        }
    }
    let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#333"/>"##, LEFT + plot_w);
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
    // Each fault: a dashed line from its label down to the axis; the label (what was done, then
    // what it cost) starts at the line, in the first row whose last label ends before it.
    let mut row_end = [f64::MIN; LABEL_ROWS];
    for (i, st) in r.steps.iter().enumerate().skip(1) {
        let xx = x(st.at_ms);
        let (what, cost) = (esc(&st.action), cost(st));
        // DejaVu Sans at 12 px: about 7 px a character; the cost line is at 10 px.
        let w = (what.chars().count() as f64 * 7.0).max(cost.chars().count() as f64 * 5.8) + 8.0;
        let row = (0..LABEL_ROWS).find(|&k| row_end[k] < xx).unwrap_or(i % LABEL_ROWS);
        row_end[row] = xx + w;
        let label_y = 52.0 + row as f64 * LABEL_ROW_H;
        // Near the right edge the label runs leftwards from its line.
        let (anchor, tx) = if xx + w > WIDTH - 10.0 { ("end", xx - 3.0) } else { ("start", xx + 3.0) };
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{axis_y}" stroke="#000" stroke-dasharray="3,3"/>"##,
            label_y - 11.0
        );
        let _ = writeln!(s, r#"<text x="{tx:.1}" y="{label_y}" text-anchor="{anchor}">{what}</text>"#);
        let colour = if st.lost == 0 { "#2e9d4f" } else { "#d62728" };
        let _ = writeln!(
            s,
            r#"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="10" fill="{colour}">{}</text>"#,
            label_y + 13.0,
            esc(&cost)
        );
    }
    let legend_y = axis_y + 40.0;
    let _ = writeln!(
        s,
        r##"<text x="10" y="{legend_y}" font-size="10">probes (one strip per direction): <tspan fill="#2e9d4f">■ every packet delivered</tspan>  <tspan fill="#f0a030">■ some lost</tspan>  <tspan fill="#d62728">■ all lost</tspan>; dashed line: a fault injected, labelled with what it cost</text>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" font-size="10">events (one lane per link): <tspan fill="#2e9d4f">up</tspan> / <tspan fill="#d62728">down</tspan> (carrier, MII), <tspan fill="#1f77b4">LACP state</tspan>, <tspan fill="#9467bd">aggregator / active port</tspan>, <tspan fill="#7f7f7f">other</tspan>; hover a tick for details</text>"##,
        legend_y + 16.0
    );
    s.push_str("</svg>\n");
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
