// ESLint for the extension (npm run lint; tests/run and CI run it): the recommended rules,
// with the globals each kind of file really has.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/", "test/artifacts/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: "module" },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  // The extension's pages, background and libraries run in the browser with the WebExtension API.
  { files: ["src/**/*.js"], languageOptions: { globals: { ...globals.browser, ...globals.webextensions } } },
  // A content script is a classic script, not a module.
  { files: ["src/content/**/*.js"], languageOptions: { sourceType: "script" } },
  // Build scripts and tests run in Node; the end-to-end tests also pass functions to the browser.
  { files: ["*.js", "*.mjs", "test/**/*.js"], languageOptions: { globals: globals.node } },
  { files: ["test/e2e/**/*.js"], languageOptions: { globals: { ...globals.browser, ...globals.webextensions } } },
];
