/// The server's HTML: the index of images and the deep-zoom viewer (Leaflet, from Debian's
/// `libjs-leaflet`, served from its installed files under `/static/leaflet/`).
enum Pages {
    static func index(images: [(identifier: String, bytes: Int, image: ServedImage?)]) -> String {
        var rows = ""
        for entry in images {
            let id = PercentEncoding.encode(entry.identifier)
            let name = JSONText.html(entry.identifier)
            guard let s = entry.image else {
                rows += "<tr><td></td><td>\(name)</td><td colspan=\"4\">cannot be read</td></tr>\n"
                continue
            }
            let tw = min(160, s.width), th = min(160, s.height)
            let levels = s.image.storedLevels.map { String($0.level) }.joined(separator: ", ")
            rows += """
                <tr><td><a href="/view/\(id)"><img loading="lazy" alt="" src="/iiif/3/\(id)/full/!\(tw),\(th)/0/default.jpg"></a></td>\
                <td><a href="/view/\(id)">\(name)</a></td><td>\(s.width) × \(s.height)</td>\
                <td>\(JSONText.html(s.image.header.format.description)), \(s.image.header.codingMode)</td>\
                <td>\(levels.isEmpty ? "none" : levels)</td><td>\(Self.bytes(entry.bytes))</td>\
                <td><a href="/iiif/3/\(id)/info.json">info.json</a> · <a href="/dzi/\(id).dzi">.dzi</a></td></tr>

                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tessera images</title><link rel="icon" href="data:,">
            <style>
            body{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse}td,th{padding:.4em .8em;text-align:left;border-bottom:1px solid #ddd}
            img{max-width:160px;max-height:160px;background:#eee;display:block}
            </style></head><body>
            <h1>Tessera images</h1>
            <p>\(images.count) image\(images.count == 1 ? "" : "s"). Each is served as IIIF Image API 3.0 \
            (<code>/iiif/3/ID/info.json</code>) and Deep Zoom (<code>/dzi/ID.dzi</code>).</p>
            <table><tr><th></th><th>identifier</th><th>pixels</th><th>format, coding</th><th>stored levels</th>\
            <th>file</th><th></th></tr>
            \(rows)</table></body></html>

            """
    }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 30 { return "\((Double(n) / Double(1 << 30) * 10).rounded() / 10) GiB" }
        if n >= 1 << 20 { return "\((Double(n) / Double(1 << 20) * 10).rounded() / 10) MiB" }
        if n >= 1 << 10 { return "\((Double(n) / Double(1 << 10) * 10).rounded() / 10) KiB" }
        return "\(n) B"
    }

    static func viewer(image s: ServedImage) -> String {
        let id = PercentEncoding.encode(s.identifier)
        let config = """
            {"id":\(JSONText.string(id)),"name":\(JSONText.string(s.identifier)),"width":\(s.width),\
            "height":\(s.height),"tileSize":\(s.deepZoom.tileSize),"maxLevel":\(s.deepZoom.maxLevel)}
            """
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(JSONText.html(s.identifier)) — Tessera</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/leaflet/leaflet.css">
            <style>
            html,body{margin:0;height:100%;font:14px/1.4 system-ui,sans-serif}
            #map{position:absolute;top:0;left:0;right:0;bottom:0;background:#333}
            #bar{position:absolute;left:8px;bottom:8px;z-index:1000;background:rgba(255,255,255,.9);padding:4px 8px;
            border-radius:4px;display:flex;gap:.8em;align-items:center}
            #coords{font-variant-numeric:tabular-nums;min-width:11em}
            </style></head><body>
            <div id="map"></div>
            <div id="bar"><a href="/">images</a><b>\(JSONText.html(s.identifier))</b><span>\(s.width) × \(s.height)</span>\
            <span id="coords"></span><a href="/iiif/3/\(id)/info.json">IIIF info.json</a>\
            <button id="fullscreen" type="button">full screen</button></div>
            <script src="/static/leaflet/leaflet.js"></script>
            <script>
            \(viewerScript)
            tesseraViewer(\(config));
            </script></body></html>

            """
    }

    /// The viewer: Leaflet's simple CRS with one map unit per image pixel, so zoom 0 is full
    /// resolution and zoom −k is Deep Zoom level maxLevel − k. Edge tiles keep their own size.
    static let viewerScript = """
        function tesseraViewer(c) {
          var params = new URLSearchParams(location.search);
          var format = params.get('format') === 'png' ? 'png' : 'jpg';
          var map = L.map('map', {crs: L.CRS.Simple, minZoom: -c.maxLevel, maxZoom: 3, zoomSnap: 1,
            zoomDelta: 1, attributionControl: false});
          var bounds = L.latLngBounds(map.unproject([0, c.height], 0), map.unproject([c.width, 0], 0));
          var Tiles = L.TileLayer.extend({
            createTile: function (coords, done) {
              var tile = L.TileLayer.prototype.createTile.call(this, coords, done);
              tile.addEventListener('load', function () {
                tile.style.width = tile.naturalWidth + 'px';
                tile.style.height = tile.naturalHeight + 'px';
              });
              return tile;
            }
          });
          new Tiles('/dzi/' + c.id + '_files/{z}/{x}_{y}.' + format, {
            tileSize: c.tileSize, zoomOffset: c.maxLevel, minNativeZoom: -c.maxLevel, maxNativeZoom: 0,
            minZoom: -c.maxLevel, maxZoom: 3, bounds: bounds, noWrap: true, keepBuffer: 1
          }).addTo(map);
          map.fitBounds(bounds);
          map.setMaxBounds(bounds.pad(0.5));
          // The image pixel under the mouse, kept up to date when the map zooms or pans under it.
          var coords = document.getElementById('coords'), mouse = null;
          function showCoords() {
            if (!mouse) { coords.textContent = ''; return; }
            var p = map.project(map.containerPointToLatLng(mouse), 0);
            var x = Math.floor(p.x), y = Math.floor(p.y);
            coords.textContent = (x >= 0 && y >= 0 && x < c.width && y < c.height)
              ? 'x ' + x + ', y ' + y + ' · zoom ' + map.getZoom() : '';
          }
          map.on('mousemove', function (e) { mouse = e.containerPoint; showCoords(); });
          map.on('mouseout', function () { mouse = null; showCoords(); });
          map.on('zoomend moveend', showCoords);
          document.getElementById('fullscreen').addEventListener('click', function () {
            if (document.fullscreenElement) { document.exitFullscreen(); }
            else { document.documentElement.requestFullscreen(); }
          });
          document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });
          // For scripts and tests: the map, and the image rectangle the window shows.
          window.tesseraMap = map;
          window.tesseraVisible = function () {
            var size = map.getSize();
            var a = map.project(map.containerPointToLatLng([0, 0]), 0);
            var b = map.project(map.containerPointToLatLng([size.x, size.y]), 0);
            return {x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y, zoom: map.getZoom()};
          };
        }
        """
}
