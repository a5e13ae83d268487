// Unit suites, and integration suites that need Terraform and the moto emulator; the demo runs in a phase of its own.
const swc = [
  "@swc/jest",
  { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" }, sourceMaps: "inline" },
];
const common = {
  testEnvironment: "node",
  transform: { "^.+\\.(t|m?j)s$": swc },
  // middy 6 ships ESM only; let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ["/node_modules/(?!@middy/)"],
  setupFiles: ["<rootDir>/test/support/polyfills.ts"],
};
const integration = {
  ...common,
  globalSetup: "<rootDir>/test/support/require-tools.ts",
};
const DEMO = "<rootDir>/test/integration/demo.test.ts";
/**
 * Two phases. The default one: unit and integration suites, two workers even on a 2-core machine (jest's default there
 * is one; the integration suites mostly wait on Terraform, moto and the drains' own waits, which the unit suites fill).
 * `JEST_PHASE=demo`: the demo alone, after everything else (`npm test` runs both), so its timing is the demo's.
 * @type {import('jest').Config}
 */
module.exports =
  process.env.JEST_PHASE === "demo"
    ? { maxWorkers: 1, projects: [{ ...integration, displayName: "demo", testMatch: [DEMO] }] }
    : {
        maxWorkers: 2,
        projects: [
          { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
          {
            ...integration,
            displayName: "integration",
            testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/", "/test/integration/demo\\.test\\.ts$"],
          },
        ],
      };
