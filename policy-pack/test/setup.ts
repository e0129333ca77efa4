// Loaded by mocha before any suite (see .mocharc.json): an Output misused in a template string throws.
process.env.PULUMI_ERROR_OUTPUT_STRING = "true";
