// Writes each Jest run's totals to tmp/test-results/<project>-<kind>.json, so `npm test` can
// print one closing line summed over every run, and how long each test file took, slowest first.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(globalConfig, options) {
    this.file = options.file;
  }

  onRunComplete(_contexts, results) {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(
      this.file,
      JSON.stringify({
        numPassedTests: results.numPassedTests,
        numFailedTests: results.numFailedTests,
        numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
        numTotalTestSuites: results.numTotalTestSuites,
        files: results.testResults
          .map((r) => ({
            file: path.relative(process.cwd(), r.testFilePath),
            seconds: Math.round((r.perfStats.end - r.perfStats.start) / 100) / 10,
            failed: r.numFailingTests,
          }))
          .sort((a, b) => b.seconds - a.seconds),
      }),
    );
  }
}

module.exports = ResultsReporter;
