// Writes each Jest run's totals to tmp/test-results/<project>-<kind>.json, so `npm test` can
// print one closing line summed over every run.
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
      }),
    );
  }
}

module.exports = ResultsReporter;
