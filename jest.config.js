// Two projects: fast unit tests, and integration suites that need Terraform and the moto emulator.
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
/** @type {import('jest').Config} */
module.exports = {
  // Two workers even on a 2-core machine (jest's default there is one): the integration suites spend most of their
  // time waiting on Terraform, moto and the drains' own waits, which the unit suites fill.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      globalSetup: "<rootDir>/test/support/require-tools.ts",
    },
  ],
};
