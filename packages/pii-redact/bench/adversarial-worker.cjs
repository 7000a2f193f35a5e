// Runs one competitor library on one input in a worker thread, so a catastrophic backtrack can be killed.
const { parentPort, workerData } = require("node:worker_threads");
const { library, input } = workerData;
let run;
if (library === "redact-pii") {
  const { SyncRedactor } = require("redact-pii");
  const redactor = new SyncRedactor();
  run = () => redactor.redact(input);
} else if (library === "@redactpii/node") {
  const { Redactor } = require("@redactpii/node");
  const redactor = new Redactor();
  run = () => redactor.redact(input);
} else {
  const lc = require("langchain");
  run = () => {
    lc.detectEmail(input);
    lc.detectCreditCard(input);
    lc.detectIP(input);
    lc.detectMacAddress(input);
    lc.detectUrl(input);
  };
}
const start = performance.now();
run();
parentPort.postMessage(performance.now() - start);
