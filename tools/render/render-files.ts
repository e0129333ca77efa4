// Names of the files every render writes under out/<stack>/ (cloud-side documents add cloud/**.json).
// The CI workflow, the README and the tests refer to these, so they are named once, here.
export const RENDER_FILES = {
    manifests: "manifests.yaml",
    resources: "resources.json",
    stackOutputs: "stack-outputs.json",
    policyMarkdown: "policy-report.md",
    policyJson: "policy-report.json",
    policySarif: "policy-report.sarif",
    componentTree: "component-tree.mmd",
} as const;
