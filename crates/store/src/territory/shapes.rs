//! Boundaries of regions and grids (maps): the checked import, a region's map with its
//! children, and the lookup of the grid and village that hold a point.

use crate::prelude::*;
use tongchou_domain::error::Msg;
use tongchou_domain::shape::{self, Shape};

/// One boundary to store: a region's 12-digit or a grid's 15-digit code, and its checked shape.
#[derive(Debug, Clone)]
pub struct ShapeIn {
    pub code: String,
    pub shape: Shape,
}

/// What an import wrote.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ShapeImport {
    pub regions: usize,
    pub grids: usize,
}

/// A boundary as a map draws it. `geometry` is GeoJSON text.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct MapShape {
    pub code: String,
    pub name: String,
    /// The region's level, or `grid`.
    pub level: String,
    /// Drawn by the demo generator, not surveyed.
    pub generated: bool,
    pub geometry: String,
}

/// A named place on the way from the county down to the grid.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
    pub level: String,
}

/// A household on a map: where it stands and its address, nothing personal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct HouseholdPin {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "crate::id_str")]
    pub id: i64,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
}

/// What holds a point: the grid (when a grid's boundary holds it) and the regions from the top
/// of the caller's scope down to the deepest one found.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Located {
    pub grid: Option<Named>,
    pub regions: Vec<Named>,
}

impl Located {
    /// The deepest region found (the village when there is a grid).
    pub fn region(&self) -> Option<&Named> {
        self.regions.last()
    }
}

/// A county's boundary box `(min_lng, min_lat, max_lng, max_lat)`, when it has a boundary.
pub(crate) type CountyBox = Option<(f64, f64, f64, f64)>;

pub(crate) async fn county_box<DB: Backend>(
    tx: &mut Tx<DB>,
    county: &str,
) -> StoreResult<CountyBox> {
    Ok(
        query_as("SELECT min_lng, min_lat, max_lng, max_lat FROM shapes WHERE code = $1")
            .bind(format!("{county}000000"))
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// How far outside its county's box a household's door may be (about 5 km): a phone's fix at
/// the edge is not exact.
const DOOR_MARGIN_DEG: f64 = 0.05;

/// A household's door position checked against its county's box (when the county has a boundary):
/// a point in the sea, or with latitude and longitude swapped, is refused.
pub(crate) fn check_door(b: CountyBox, (lat, lng): (f64, f64)) -> Result<(), Invalid> {
    let m = DOOR_MARGIN_DEG;
    match b {
        Some((x0, y0, x1, y1))
            if !(lng >= x0 - m && lng <= x1 + m && lat >= y0 - m && lat <= y1 + m) =>
        {
            Err(Invalid::new(
                "lat",
                "outside_county",
                "位置不在本县（区）范围内，请检查经纬度（是否填反）",
                "the position is outside the county: check latitude and longitude (swapped?)",
            ))
        }
        _ => Ok(()),
    }
}

/// Writes one boundary (insert or replace).
pub(crate) async fn write_shape<DB: Backend>(
    tx: &mut Tx<DB>,
    it: &ShapeIn,
    region: &str,
    generated: bool,
    now: i64,
) -> StoreResult<()> {
    let [x0, y0, x1, y1] = it.shape.bbox;
    query(
        "INSERT INTO shapes (code, kind, depth, region_code, geometry, min_lng, min_lat, \
         max_lng, max_lat, generated, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
         ON CONFLICT (code) DO UPDATE SET geometry = excluded.geometry, \
         min_lng = excluded.min_lng, min_lat = excluded.min_lat, max_lng = excluded.max_lng, \
         max_lat = excluded.max_lat, generated = excluded.generated, updated_at = excluded.updated_at",
    )
    .bind(&it.code)
    .bind(if it.code.len() == 15 { "grid" } else { "region" })
    .bind(depth_of(&it.code))
    .bind(region)
    .bind(it.shape.to_geojson())
    .bind(x0)
    .bind(y0)
    .bind(x1)
    .bind(y1)
    .bind(generated)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub trait ShapeStorage: Send + Sync {
    /// Stores boundaries, all or none: every code must name a region or grid of the caller's
    /// scope, and every unknown one is reported, each by its feature (`RowError.row`, from 1).
    fn import_shapes<'a>(
        &'a self,
        ctx: &'a Ctx,
        items: &'a [ShapeIn],
        generated: bool,
    ) -> BoxFut<'a, ShapeImport>;
    /// The boundary of a region or grid with those of its children (a village's are its grids).
    fn map_of<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Vec<MapShape>>;
    /// Up to `limit` households of a grid in scope that have a position.
    fn household_pins<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid: &'a str,
        limit: u32,
    ) -> BoxFut<'a, Vec<HouseholdPin>>;
    /// Every region boundary down to `depth` (3: counties, 4: townships), for the public map.
    fn outlines<'a>(&'a self, depth: i64) -> BoxFut<'a, Vec<MapShape>>;
    /// The grid and regions of `ctx`'s scope whose boundaries hold the point.
    fn locate<'a>(&'a self, ctx: &'a Ctx, lat: f64, lng: f64) -> BoxFut<'a, Located>;
}

/// A region's depth is its level's place (county 3 … village 5); a grid is 6, so the deepest
/// boundary holding a point is found first.
fn depth_of(code: &str) -> i64 {
    match RegionCode::parse(code) {
        Ok(c) => match c.level() {
            Level::Province => 1,
            Level::City => 2,
            Level::County => 3,
            Level::Township => 4,
            Level::Village => 5,
        },
        Err(_) => 6,
    }
}

impl<DB: Backend> ShapeStorage for SqlStore<DB> {
    fn import_shapes<'a>(
        &'a self,
        ctx: &'a Ctx,
        items: &'a [ShapeIn],
        generated: bool,
    ) -> BoxFut<'a, ShapeImport> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let mut errors = Vec::new();
            let mut owners = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                let owner = if it.code.len() == 15 {
                    grid_in_scope(&mut tx, &ctx.scope, &it.code).await?
                } else if ctx.scope.contains(&it.code) {
                    let found: Option<(String,)> =
                        query_as("SELECT code FROM regions WHERE code = $1")
                            .bind(&it.code)
                            .fetch_optional(&mut *tx)
                            .await?;
                    found.map(|r| r.0)
                } else {
                    None
                };
                match owner {
                    Some(region) => owners.push(region),
                    None => errors.push(RowError {
                        row: i + 1,
                        column: format!("features[{i}].properties.code"),
                        reason: Msg::new(
                            format!("{} 不存在或不在您的管辖范围内", it.code),
                            format!("{} does not exist or is outside your scope", it.code),
                        ),
                    }),
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::Rows(errors));
            }
            let now = now_ms();
            let mut out = ShapeImport {
                regions: 0,
                grids: 0,
            };
            for (it, region) in items.iter().zip(&owners) {
                write_shape(&mut tx, it, region, generated, now).await?;
                if it.code.len() == 15 {
                    // The centre serves the "nearest grid" fallback of clients that send no
                    // boundary-held point (Open311).
                    let (lat, lng) = it.shape.centre();
                    query("UPDATE grids SET centroid_lat = $1, centroid_lng = $2 WHERE code = $3")
                        .bind(lat)
                        .bind(lng)
                        .bind(&it.code)
                        .execute(&mut *tx)
                        .await?;
                    out.grids += 1;
                } else {
                    out.regions += 1;
                }
            }
            let detail = format!("regions={} grids={}", out.regions, out.grids);
            write_audit(&mut tx, ctx, "import", "shapes", "", "", &detail).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    fn map_of<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Vec<MapShape>> {
        Box::pin(async move {
            // A region may be named by its short form (`320722`), as everywhere else.
            let full;
            let code = if code.len() == 15 {
                code
            } else {
                full = RegionCode::parse_field("code", code)?;
                full.as_str()
            };
            let mut tx = self.read_tx().await?;
            let own = if code.len() == 15 {
                fetch_grid(&mut tx, &ctx.scope, code).await?;
                "SELECT s.code, g.name, 'grid' AS level, s.generated, s.geometry FROM shapes s \
                 JOIN grids g ON g.code = s.code WHERE s.code = $1"
            } else {
                fetch_region(&mut tx, &ctx.scope, code).await?;
                "SELECT s.code, r.name, r.level, s.generated, s.geometry FROM shapes s \
                 JOIN regions r ON r.code = s.code WHERE s.code = $1"
            };
            let mut out: Vec<MapShape> = query_as(own).bind(code).fetch_all(&mut *tx).await?;
            if code.len() == 12 {
                let children: Vec<MapShape> = query_as(
                    "SELECT s.code, r.name, r.level, s.generated, s.geometry FROM shapes s \
                     JOIN regions r ON r.code = s.code WHERE r.parent_code = $1 \
                     UNION ALL \
                     SELECT s.code, g.name, 'grid' AS level, s.generated, s.geometry FROM shapes s \
                     JOIN grids g ON g.code = s.code WHERE g.region_code = $1 \
                     ORDER BY 1",
                )
                .bind(code)
                .fetch_all(&mut *tx)
                .await?;
                out.extend(children);
            }
            Ok(out)
        })
    }

    fn household_pins<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid: &'a str,
        limit: u32,
    ) -> BoxFut<'a, Vec<HouseholdPin>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_grid(&mut tx, &ctx.scope, grid).await?;
            Ok(query_as(
                "SELECT id, address, lat, lng FROM households WHERE grid_code = $1 \
                 AND lat IS NOT NULL AND lng IS NOT NULL ORDER BY id LIMIT $2",
            )
            .bind(grid)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?)
        })
    }

    fn outlines<'a>(&'a self, depth: i64) -> BoxFut<'a, Vec<MapShape>> {
        Box::pin(async move {
            Ok(query_as(
                "SELECT s.code, r.name, r.level, s.generated, s.geometry FROM shapes s \
                 JOIN regions r ON r.code = s.code WHERE s.depth <= $1 ORDER BY s.code LIMIT 2000",
            )
            .bind(depth)
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn locate<'a>(&'a self, ctx: &'a Ctx, lat: f64, lng: f64) -> BoxFut<'a, Located> {
        Box::pin(async move {
            shape::check_point(lat, lng)?;
            let mut tx = self.read_tx().await?;
            // The boxes that hold the point, deepest first; the first boundary that holds it
            // decides. Each boundary is read only when its turn comes (a county's can be large),
            // and only read, not checked again: it was checked on import.
            let candidates: Vec<(String,)> = query_as(
                "SELECT code FROM shapes \
                 WHERE min_lng <= $1 AND max_lng >= $1 AND min_lat <= $2 AND max_lat >= $2 \
                 AND region_code >= $3 AND region_code < $4 ORDER BY depth DESC, code",
            )
            .bind(lng)
            .bind(lat)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&mut *tx)
            .await?;
            let mut hit = None;
            for (code,) in candidates {
                let (geometry,): (String,) =
                    query_as("SELECT geometry FROM shapes WHERE code = $1")
                        .bind(&code)
                        .fetch_one(&mut *tx)
                        .await?;
                let Ok(v) = serde_json::from_str(&geometry) else {
                    continue;
                };
                if shape::read_geometry("geometry", &v).is_ok_and(|s| s.contains(lng, lat)) {
                    hit = Some(code);
                    break;
                }
            }
            let Some(code) = hit else {
                return Ok(Located::default());
            };
            let mut out = Located::default();
            let region = if code.len() == 15 {
                let (region, name): (String, String) =
                    query_as("SELECT region_code, name FROM grids WHERE code = $1")
                        .bind(&code)
                        .fetch_one(&mut *tx)
                        .await?;
                out.grid = Some(Named {
                    code,
                    name,
                    level: "grid".into(),
                });
                region
            } else {
                code
            };
            let mut cur = RegionCode::parse(&region).ok();
            while let Some(c) = cur {
                if !ctx.scope.contains(c.as_str()) {
                    break;
                }
                let row: Option<(String, String)> =
                    query_as("SELECT name, level FROM regions WHERE code = $1")
                        .bind(c.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((name, level)) = row {
                    out.regions.push(Named {
                        code: c.as_str().to_string(),
                        name,
                        level,
                    });
                }
                cur = c.parent();
            }
            out.regions.reverse();
            Ok(out)
        })
    }
}
