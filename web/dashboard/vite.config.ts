// The page is served by the app at /dashboard/ and must work on a disconnected intranet: everything it
// needs is bundled from node_modules into dist/, nothing is inlined as data: URLs (the CSP allows 'self').
import { defineConfig, type Plugin } from "vite";

// Leaflet's attribution prefix links to its web site; the page shows no attribution control, and the
// built files must name no other host (tests/dashboards/page/test_assets.py), so the link goes.
function noLeafletLink(): Plugin {
  return {
    name: "gridpatrol-no-leaflet-link",
    transform(code, id) {
      if (!id.includes("/leaflet/")) return null;
      return code.replace('<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">', "<a>");
    },
  };
}

export default defineConfig({
  base: "/dashboard/",
  plugins: [noLeafletLink()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
});
