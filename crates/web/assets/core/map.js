// Maps: boundaries, pins and "tap to place", on Leaflet (vendored, BSD-2; its script is loaded
// by the first map, not with the page). The base layer is the deployment's tile server when one is set
// (`tongchou serve --tile-url`); with none, boundaries are drawn on a plain background, which
// also works with no network.
import { html, render } from "./html.js";
import { strings, t } from "./i18n.js";
import { publicApi } from "./api.js";
import { toast } from "./ui.js";

strings(
  { map: "地图", map_tap: "在地图上点一下，标出问题的位置", map_here: "所在位置", map_outside: "此处不在任何网格内，请选择地区", map_generated: "演示用的生成边界，非实测" },
  { map: "Map", map_tap: "Tap the map where the problem is", map_here: "Located in", map_outside: "No grid holds this point: choose the place below", map_generated: "Generated demo boundaries, not surveyed" },
);

let leaflet;
let config;

/** Leaflet and the deployment's map settings, fetched once. */
async function load() {
  if (!leaflet) {
    // Its styles by their versioned address (the import map has it), which the service worker
    // keeps for offline use.
    const css = document.createElement("link");
    css.rel = "stylesheet";
    // (`import.meta.resolve` is newer than import maps: without it, the unversioned address.)
    css.href = import.meta.resolve?.("/assets/vendor/leaflet.css") ?? "/assets/vendor/leaflet.css";
    document.head.append(css);
    leaflet = import("/assets/vendor/leaflet.js").then(() => window.L);
  }
  config ||= publicApi("GET", "/api/v1/public/map-config").catch(() => ({ tile_url: null }));
  return [await leaflet, await config];
}

/** Colours of a deadline light (red, yellow, green) and of everything else. */
export const LIGHT_COLOURS = { red: "#c8102e", yellow: "#d69e00", green: "#2e7d32", blue: "#1565c0" };

/**
 * A map in `el`. Returns helpers: `shapes(featureCollection, onPick)` draws boundaries (a tap on
 * one calls `onPick(properties)`), `pins(list)` draws clustered circles, `placeable(onPlace)` lets
 * a tap set a marker and calls `onPlace(lat, lng)`.
 */
export async function mapIn(el, { height = "18rem" } = {}) {
  const [L, cfg] = await load();
  el.classList.add("map");
  el.style.height = height;
  const map = L.map(el, { attributionControl: Boolean(cfg.tile_url), zoomSnap: 0.5 });
  el.tcMap = map; // for the browser tests and the console
  if (cfg.tile_url) {
    L.tileLayer(cfg.tile_url, { attribution: cfg.attribution || "", subdomains: cfg.subdomains || "abc", maxZoom: 18 }).addTo(map);
  }
  map.setView([34.6, 119.2], 9);
  let fitted = false;
  const fit = (bounds) => {
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8], maxZoom: 17 });
      fitted = true;
    }
  };
  const api = {
    map,
    L,
    shapes(fc, onPick) {
      const own = fc.features[0]?.properties.code;
      const layer = L.geoJSON(fc, {
        style: (f) => (f.properties.code === own && fc.features.length > 1
          ? { color: "#c8102e", weight: 2, fill: false }
          : { color: "#1565c0", weight: 1, fillOpacity: 0.08 }),
        onEachFeature: (f, l) => {
          l.bindTooltip(f.properties.name, { sticky: true });
          if (onPick && f.properties.code !== own) l.on("click", () => onPick(f.properties));
        },
      }).addTo(map);
      if (fc.features.some((f) => f.properties.generated)) {
        const note = document.createElement("p");
        note.className = "muted map-note";
        note.textContent = t("map_generated");
        el.after(note);
      }
      fit(layer.getBounds());
      return layer;
    },
    pins(list) {
      const group = clustered(L, map, list);
      if (!fitted) fit(group.bounds);
      return group;
    },
    placeable(onPlace) {
      let marker;
      map.on("click", (e) => {
        marker ||= L.circleMarker(e.latlng, { radius: 9, color: "#c8102e", weight: 3 }).addTo(map);
        marker.setLatLng(e.latlng);
        onPlace(e.latlng.lat, e.latlng.lng);
      });
    },
  };
  return api;
}

/**
 * Pins `{lat, lng, colour, label, href}` grouped by screen cell at each zoom: a group of several
 * shows as one circle with its count, which zooms in when tapped.
 */
function clustered(L, map, list) {
  const layer = L.layerGroup().addTo(map);
  const bounds = L.latLngBounds(list.map((p) => [p.lat, p.lng]));
  const draw = () => {
    layer.clearLayers();
    const cells = new Map();
    for (const p of list) {
      const pt = map.project([p.lat, p.lng], map.getZoom());
      const key = `${Math.floor(pt.x / 48)}:${Math.floor(pt.y / 48)}`;
      (cells.get(key) || cells.set(key, []).get(key)).push(p);
    }
    for (const group of cells.values()) {
      if (group.length === 1) {
        const p = group[0];
        const m = L.circleMarker([p.lat, p.lng], { radius: 7, color: "#fff", weight: 2, fillColor: p.colour, fillOpacity: 1 });
        m.bindTooltip(p.label);
        if (p.href) m.on("click", () => (location.hash = p.href));
        layer.addLayer(m);
      } else {
        const at = L.latLngBounds(group.map((p) => [p.lat, p.lng]));
        const worst = group.find((p) => p.colour === LIGHT_COLOURS.red) || group[0];
        const icon = L.divIcon({ className: "map-cluster", html: String(group.length), iconSize: [30, 30] });
        const m = L.marker(at.getCenter(), { icon, keyboard: false });
        m.on("add", () => m.getElement().style.setProperty("--c", worst.colour));
        m.on("click", () => map.fitBounds(at.pad(0.3)));
        layer.addLayer(m);
      }
    }
  };
  map.on("zoomend", draw);
  draw();
  return { layer, bounds, draw };
}

/** A one-line answer of where a point is: "白塔埠镇 · 白塔村 · 第一网格". */
export function whereText(located) {
  const names = located.regions.slice(-2).map((r) => r.name);
  if (located.grid) names.push(located.grid.name);
  return names.length ? `${t("map_here")}${t("colon")}${names.join(" · ")}` : t("map_outside");
}

/** A map block's markup: a container and a line for what a tap found. */
export const mapBlock = (id) => html`<div class="map-wrap"><div id="${id}" class="map"></div><p id="${id}-where" class="muted map-where"></p></div>`;

// "Use my location", shared by the forms that take a position (intake, a household's door).
strings(
  {
    loc_denied: "无法定位：未允许使用位置", loc_unavailable: "无法定位：手机没有取得位置信号",
    loc_timeout: "无法定位：超时，请到开阔处再试", loc_none: "无法定位：此浏览器不支持定位", loc_insecure: "无法定位：须通过 HTTPS 打开本系统",
  },
  {
    loc_denied: "No location: permission was not given", loc_unavailable: "No location: the phone has no position fix",
    loc_timeout: "No location: timed out, try again in the open", loc_none: "No location: this browser cannot locate", loc_insecure: "No location: open the system over HTTPS",
  },
);

/** Why "use my location" failed, in words a grid worker can act on. */
export function locationError(err) {
  if (!window.isSecureContext) return t("loc_insecure");
  if (!err) return t("loc_none");
  return t({ 1: "loc_denied", 2: "loc_unavailable", 3: "loc_timeout" }[err.code] || "loc_unavailable");
}

/** Fills the form's lat/lng from the phone, or says why it could not. */
export function locate(form) {
  if (!navigator.geolocation || !window.isSecureContext) return toast(locationError(null));
  navigator.geolocation.getCurrentPosition((pos) => {
    form.lat.value = pos.coords.latitude;
    form.lng.value = pos.coords.longitude;
    toast(`${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)}`);
  }, (err) => toast(locationError(err)), { timeout: 15000, maximumAge: 60000 });
}
