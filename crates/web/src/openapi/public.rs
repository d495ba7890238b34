//! The public side: filing and tracking without an account.

use super::cases::SIMILAR_Q;
use super::{Op, op};

pub const OPS: &[Op] = &[
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/map",
            "public",
            "County and township boundaries as a GeoJSON FeatureCollection, for the public form's map",
            &[],
            None,
            "FeatureCollection",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/map-config",
            "public",
            "The maps' base layer: a tile URL template (or null: boundaries on a plain background), its attribution and subdomains",
            &[],
            None,
            "MapConfig",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/locate",
            "public",
            "The grid and regions whose boundaries hold a point, for the public form's map",
            &["lat", "lng"],
            None,
            "Located",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/cases/similar",
            "public",
            "The public form's duplicate hint (number, category, state, time)",
            SIMILAR_Q,
            None,
            "PublicSimilarList",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/regions/{code}/children",
            "public",
            "Child regions (code, name, level) for the public form's place picker",
            &[],
            None,
            "PublicRegionList",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/form-nonce",
            "public",
            "A signed nonce (a day) that an anonymous caller sends as X-Form-Nonce with an Idempotency-Key",
            &[],
            None,
            "Nonce",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases",
            "public",
            "Submit a case anonymously (phone optional); returns the tracking number and secret",
            &[],
            Some("CaseInput"),
            "Receipt",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/cases/{number}",
            "public",
            "Track a case with its secret: progress and unit, no personal data",
            &["secret"],
            None,
            "PublicCase",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases/{number}/follow",
            "public",
            "Follow an open case the duplicate hint listed (with its follow_token) instead of reporting it again: a secret of one's own that reads its progress",
            &[],
            Some("FollowIn"),
            "Receipt",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases/{number}/attachments",
            "public",
            "The reporter adds a photo to an open case with the secret (the body is the file; at most 5 per case)",
            &["secret", "name"],
            Some("File"),
            "PublicAttachment",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases/{number}/actions",
            "public",
            "The reporter rates (rate) or reopens (reopen) with the secret",
            &[],
            Some("PublicActIn"),
            "PublicCase",
        )
    },
];
