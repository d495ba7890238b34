//! Boundaries: the import is all or nothing and stays in the importer's scope, and the lookup
//! of a point finds the deepest boundary that holds it, within the caller's scope.

use super::{ctx, each, grid, seed_territory};
use serde_json::json;
use tongchou_domain::Role;
use tongchou_domain::shape::parse_geometry;
use tongchou_store::*;

/// A box `[x0, y0, x1, y1]` as a checked shape for `code`.
pub fn boxed(code: &str, b: [f64; 4]) -> ShapeIn {
    let [x0, y0, x1, y1] = b;
    let v = json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]});
    ShapeIn {
        code: code.into(),
        shape: parse_geometry("g", &v).unwrap(),
    }
}

/// 白塔埠镇 is the west half of 东海县, 黄川镇 the east; 白塔村 fills 白塔埠镇 and is cut into two
/// grids. A point in the east half of 白塔村 is in grid 002.
async fn seed_shapes(s: &Store) {
    seed_territory(s).await;
    grid(s, "320722101200", 1).await;
    grid(s, "320722101200", 2).await;
    let shapes = vec![
        boxed("320722000000", [118.0, 34.0, 120.0, 35.0]),
        boxed("320722101000", [118.0, 34.0, 119.0, 35.0]),
        boxed("320722103000", [119.0, 34.0, 120.0, 35.0]),
        boxed("320722101200", [118.0, 34.0, 119.0, 35.0]),
        boxed("320722101200001", [118.0, 34.0, 118.5, 35.0]),
        boxed("320722101200002", [118.5, 34.0, 119.0, 35.0]),
    ];
    let n = s
        .import_shapes(&Ctx::system(), &shapes, false)
        .await
        .unwrap();
    assert_eq!((n.regions, n.grids), (4, 2));
}

#[tokio::test]
async fn a_point_finds_its_grid_and_the_regions_above_it() {
    each("locate", |_, s| async move {
        seed_shapes(&s).await;
        let sys = Ctx::system();
        let at = s.locate(&sys, 34.5, 118.7).await.unwrap();
        assert_eq!(at.grid.as_ref().unwrap().code, "320722101200002");
        let names: Vec<&str> = at.regions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["江苏省", "连云港市", "东海县", "白塔埠镇", "白塔村委会"]
        );
        // In 黄川镇, which has no village or grid boundaries: the township is the deepest.
        let at = s.locate(&sys, 34.5, 119.5).await.unwrap();
        assert!(at.grid.is_none());
        assert_eq!(at.region().unwrap().code, "320722103000");
        // Outside every boundary.
        let at = s.locate(&sys, 30.0, 110.0).await.unwrap();
        assert!(at.grid.is_none() && at.regions.is_empty());
        // 黄川镇's desk does not find 白塔埠镇's grid, and sees no regions above its own.
        let other = ctx(Role::Dispatcher, "320722103");
        let at = s.locate(&other, 34.5, 118.7).await.unwrap();
        assert!(at.grid.is_none() && at.regions.is_empty(), "{at:?}");
        let at = s.locate(&other, 34.5, 119.5).await.unwrap();
        assert_eq!(at.regions.len(), 1);
        // A grid's own page carries its boundary and the grid its centre.
        let g = s.get_grid(&sys, "320722101200002").await.unwrap();
        assert!(g.geojson.unwrap().contains("Polygon"));
        assert!((g.centroid_lng.unwrap() - 118.75).abs() < 1e-9);
        let e = s.locate(&sys, 91.0, 0.0).await.unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref i) if i.field == "lat"),
            "{e:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_stays_in_scope() {
    each("shape_import", |_, s| async move {
        seed_shapes(&s).await;
        let town = ctx(Role::Admin, "320722103");
        // One good feature of its own, one of 白塔埠镇's grid and one unknown code: nothing is
        // written and both faults are named by feature.
        let items = vec![
            boxed("320722103200", [119.0, 34.0, 119.5, 35.0]),
            boxed("320722101200001", [0.0, 0.0, 1.0, 1.0]),
            boxed("320722103299", [119.5, 34.0, 120.0, 35.0]),
        ];
        let StoreError::Rows(rows) = s.import_shapes(&town, &items, false).await.unwrap_err()
        else {
            panic!("expected row errors");
        };
        let at: Vec<(usize, &str)> = rows.iter().map(|r| (r.row, r.column.as_str())).collect();
        assert_eq!(
            at,
            [
                (2, "features[1].properties.code"),
                (3, "features[2].properties.code")
            ]
        );
        let sys = Ctx::system();
        assert_eq!(
            s.locate(&sys, 34.5, 118.2)
                .await
                .unwrap()
                .grid
                .unwrap()
                .code,
            "320722101200001",
            "the other township's grid was not moved"
        );
        assert_eq!(s.map_of(&sys, "320722103").await.unwrap().len(), 1);
        // Its own village alone goes in, and shows on its township's map as a child.
        s.import_shapes(&town, &items[..1], false).await.unwrap();
        let map = s.map_of(&town, "320722103").await.unwrap();
        let codes: Vec<&str> = map.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(codes, ["320722103000", "320722103200"]);
        // A map of another township is refused like its page.
        assert!(matches!(
            s.map_of(&town, "320722101").await.unwrap_err(),
            StoreError::NotFound(_)
        ));
        // Nor are its grid's households.
        assert!(matches!(
            s.household_pins(&town, "320722101200001", 10)
                .await
                .unwrap_err(),
            StoreError::NotFound(_)
        ));
        // A village's map shows its grids.
        let map = s.map_of(&sys, "320722101200").await.unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(map[1].level, "grid");
    })
    .await;
}
