// Loaded by mocha before any suite (see .mocharc.json).
// Make an Output used in a template string throw instead of silently rendering a warning text,
// so that a test fails the moment a component interpolates an Output without pulumi.interpolate.
process.env.PULUMI_ERROR_OUTPUT_STRING = "true";
