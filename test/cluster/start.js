#!/usr/bin/env node
// `npm run cluster`: starts the test control plane in the foreground for a person.
// Prints the kubeconfig path for kubectl, the CLI and the tasks; Ctrl-C stops it cleanly.
'use strict';
const path = require('node:path');
const { startControlPlane } = require(path.join(__dirname, '..', '..', 'out', 'test', 'cluster', 'control-plane.js'));

startControlPlane({ log: (line) => console.log(line) })
  .then((cluster) => {
    console.log(`\nexport KUBECONFIG=${cluster.kubeconfig}\nkubectl get nodes\n\nlogs: ${cluster.dir}/*.log   (Ctrl-C stops every process)`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      console.log('\nstopping the control plane...');
      cluster.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    setInterval(() => {}, 1 << 30);
  })
  .catch((error) => {
    console.error(`error: ${error.message}`);
    process.exit(1);
  });
