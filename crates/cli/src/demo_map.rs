//! Generated boundaries for the demo, labelled so in the README and stored with
//! `generated = true`: no package publishes 连云港's county, township or village boundaries
//! under a licence that allows shipping them, so 东海县 is a box where the county lies, cut
//! into one cell per township, each township's cell into its villages and each village's into
//! its grids. The cells tile without gaps or overlaps, so every point finds exactly one grid.

use anyhow::{Result, anyhow};
use serde_json::json;
use std::collections::HashMap;
use tongchou_domain::shape;
use tongchou_store::*;

/// `[min_lng, min_lat, max_lng, max_lat]`.
pub type Cell = [f64; 4];

/// Around 东海县: from the county seat (牛山街道, about 118.77°E 34.54°N) out to its borders.
const COUNTY_BOX: Cell = [118.40, 34.33, 119.10, 34.75];

/// Cuts a cell into `n` cells in near-square rows; the last row's cells are wider so the row
/// still fills the cell.
pub fn split(c: Cell, n: usize) -> Vec<Cell> {
    let [x0, y0, x1, y1] = c;
    let (w, h) = (x1 - x0, y1 - y0);
    let cols = ((n as f64 * w / h).sqrt().ceil() as usize).clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    let mut out = Vec::with_capacity(n);
    for r in 0..rows {
        let in_row = cols.min(n - r * cols);
        let (ry1, ry0) = (
            y1 - h * r as f64 / rows as f64,
            y1 - h * (r + 1) as f64 / rows as f64,
        );
        for k in 0..in_row {
            let cx0 = x0 + w * k as f64 / in_row as f64;
            let cx1 = x0 + w * (k + 1) as f64 / in_row as f64;
            out.push([cx0, ry0, cx1, ry1]);
        }
    }
    out
}

/// A point inside a cell, kept off its edges: `(lat, lng)` for fractions `fx`, `fy` in 0..1.
pub fn point_in(c: Cell, fx: f64, fy: f64) -> (f64, f64) {
    let inset = |a: f64, b: f64, f: f64| a + (b - a) * (0.05 + 0.9 * f);
    (inset(c[1], c[3], fy), inset(c[0], c[2], fx))
}

pub fn shape_of(code: &str, c: Cell) -> Result<ShapeIn> {
    let [x0, y0, x1, y1] = c;
    let v = json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]});
    let shape = shape::parse_geometry("geometry", &v).map_err(|e| anyhow!(e.message()))?;
    Ok(ShapeIn {
        code: code.to_string(),
        shape,
    })
}

/// The county's, its townships' and its villages' boundaries, and each village's cell (for its
/// grids to be cut from).
pub async fn county_cells(
    store: &Store,
    county: &str,
) -> Result<(Vec<ShapeIn>, HashMap<String, Cell>)> {
    let sys = Ctx::system();
    let all = PageReq::new(Some(1), Some(500));
    let mut shapes = vec![shape_of(county, COUNTY_BOX)?];
    let mut villages = HashMap::new();
    let townships = store.region_children(&sys, county, all).await?.items;
    for (t, cell) in townships.iter().zip(split(COUNTY_BOX, townships.len())) {
        shapes.push(shape_of(&t.code, cell)?);
        let kids = store.region_children(&sys, &t.code, all).await?.items;
        for (v, vcell) in kids.iter().zip(split(cell, kids.len())) {
            shapes.push(shape_of(&v.code, vcell)?);
            villages.insert(v.code.clone(), vcell);
        }
    }
    Ok((shapes, villages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_tile_their_parent_without_gaps_or_overlaps() {
        for n in 1..40 {
            let cells = split(COUNTY_BOX, n);
            assert_eq!(cells.len(), n);
            let area: f64 = cells.iter().map(|c| (c[2] - c[0]) * (c[3] - c[1])).sum();
            let whole = (COUNTY_BOX[2] - COUNTY_BOX[0]) * (COUNTY_BOX[3] - COUNTY_BOX[1]);
            assert!((area - whole).abs() < 1e-9, "n={n}");
            // Each point of a fine lattice lies in exactly one cell.
            for i in 0..20 {
                for j in 0..20 {
                    let (lat, lng) =
                        point_in(COUNTY_BOX, i as f64 / 19.3 + 0.01, j as f64 / 19.3 + 0.01);
                    let holders = cells
                        .iter()
                        .filter(|c| c[0] <= lng && lng < c[2] && c[1] <= lat && lat < c[3])
                        .count();
                    assert_eq!(holders, 1, "n={n} point=({lat},{lng})");
                }
            }
        }
    }
}
