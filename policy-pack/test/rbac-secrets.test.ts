import { strict as assert } from "assert";
import { hardenedPodSpec, resource, workload } from "./fixtures";
import { messagesOf, run } from "./helpers";

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1:";
const role = (rules: object[], kind = "Role") => [resource(`${RBAC}${kind}`, "relayer", { metadata: { namespace: "consonant-system" }, rules })];
const READER_RULES = [
    { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] },
    { apiGroups: ["kagent.dev"], resources: ["agents"], verbs: ["get", "list", "watch"] },
];

describe("RBAC policies", () => {
    it("accept the relayer's least-privilege Role and a read-only nodes ClusterRole", () => {
        assert.deepEqual(run(role(READER_RULES)).violations, []);
        assert.deepEqual(run(role([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }], "ClusterRole")).violations, []);
    });
    it("the deprecated rbac v1beta1/v1alpha1 types are checked like v1", () => {
        assert.equal(messagesOf(role([{ apiGroups: ["*"], resources: ["secrets"], verbs: ["get"] }], "ClusterRole").map((r) => ({ ...r, type: r.type.replace("/v1:", "/v1beta1:") })), "rbac-secrets-access").length, 1);
        const legacy = role([{ apiGroups: [""], resources: ["nodes"], verbs: ["delete"] }], "ClusterRole").map((r) => ({ ...r, type: r.type.replace("/v1:", "/v1alpha1:") }));
        assert.match(messagesOf(legacy, "rbac-cluster-role-read-only")[0], /grants delete cluster-wide/);
        const binding = [resource("kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding", "b", { roleRef: { kind: "ClusterRole", name: "cluster-admin" }, subjects: [] })];
        assert.match(messagesOf(binding, "rbac-binding-restricted")[0], /binds "cluster-admin"/);
    });
    it("rbac-no-wildcards: rejects wildcard verbs, resources and groups", () => {
        const messages = messagesOf(role([{ apiGroups: ["*"], resources: ["pods/*"], verbs: ["*"] }]), "rbac-no-wildcards");
        assert.equal(messages.length, 3);
        assert.match(messages[0], /Role 'relayer' rule 0 \(rules\[0\]\.verbs\): contains the wildcard "\*"/);
        assert.equal(messagesOf(role([{ nonResourceURLs: ["/metrics*"], verbs: ["get"] }], "ClusterRole"), "rbac-no-wildcards").length, 1);
    });
    it("rbac-secrets-access: named get is fine; list/watch and unnamed access are not", () => {
        assert.deepEqual(messagesOf(role([{ apiGroups: [""], resources: ["secrets"], resourceNames: ["relayer-token"], verbs: ["get"] }]), "rbac-secrets-access"), []);
        const messages = messagesOf(role([{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }]), "rbac-secrets-access");
        assert.equal(messages.length, 2);
        assert.match(messages.join("\n"), /grants list, watch on secrets/);
        assert.match(messages.join("\n"), /resourceNames\): is empty/);
        assert.equal(messagesOf(role([{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }]), "rbac-secrets-access").length, 1);
    });
    it("rbac-no-escalation-verbs: rejects bind, escalate and impersonate", () => {
        assert.match(messagesOf(role([{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"] }]), "rbac-no-escalation-verbs")[0], /grants bind, escalate/);
        assert.equal(messagesOf(role([{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }], "ClusterRole"), "rbac-no-escalation-verbs").length, 1);
    });
    it("rbac-cluster-role-read-only: rejects writes and resources outside the allow-list; allowedResources knob", () => {
        const agents = role([{ apiGroups: ["kagent.dev"], resources: ["agents"], verbs: ["get", "list"] }], "ClusterRole");
        assert.match(messagesOf(agents, "rbac-cluster-role-read-only")[0], /reaches \[agents\.kagent\.dev\]/);
        assert.deepEqual(messagesOf(agents, "rbac-cluster-role-read-only", { "rbac-cluster-role-read-only": { allowedResources: ["nodes", "agents.kagent.dev"] } }), []);
        assert.match(messagesOf(role([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }], "ClusterRole"), "rbac-cluster-role-read-only")[0], /grants patch cluster-wide/);
        assert.deepEqual(messagesOf(role([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "delete"] }]), "rbac-cluster-role-read-only"), [], "namespaced Roles are out of scope");
        const aggregated = [resource(`${RBAC}ClusterRole`, "agg", { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.example.com/aggregate-to-view": "true" } }] } })];
        assert.match(messagesOf(aggregated, "rbac-cluster-role-read-only")[0], /aggregationRule\): pulls in the rules/);
    });
    it("rbac-binding-restricted: rejects cluster-admin and system groups; accepts ServiceAccount bindings; forbiddenRoles knob", () => {
        const binding = (roleRef: object, subjects: object[], kind = "RoleBinding") => [resource(`${RBAC}${kind}`, "b", { roleRef, subjects })];
        const sa = [{ kind: "ServiceAccount", name: "relayer", namespace: "consonant-system" }];
        assert.deepEqual(messagesOf(binding({ kind: "Role", name: "relayer" }, sa), "rbac-binding-restricted"), []);
        assert.match(messagesOf(binding({ kind: "ClusterRole", name: "cluster-admin" }, sa, "ClusterRoleBinding"), "rbac-binding-restricted")[0], /binds "cluster-admin"/);
        assert.match(messagesOf(binding({ kind: "Role", name: "relayer" }, [{ kind: "Group", name: "system:authenticated" }]), "rbac-binding-restricted")[0], /built-in Group "system:authenticated"/);
        assert.equal(messagesOf(binding({ kind: "ClusterRole", name: "edit" }, sa), "rbac-binding-restricted", { "rbac-binding-restricted": { forbiddenRoles: ["cluster-admin", "edit"] } }).length, 1);
    });
});

// Fake credentials are assembled at runtime so no credential-shaped literal is committed.
const fake = {
    anthropic: ["sk", "ant", "api03", "FAKEfakeFAKEfakeFAKEfake0123456789"].join("-"),
    aws: ["AK", "IA", "FAKE", "EXAMPLE00000"].join(""),
    github: ["gh", "p_", "FAKE".repeat(9)].join(""),
    slack: ["xo", "xb-", "000000000-FAKEFAKEFAKE"].join(""),
    jwt: ["ey", "JhbGciOiJIUzI1NiJ9.", "ey", "JzdWIiOiJmYWtlIn0.", "ZmFrZXNpZ25hdHVyZWZha2U"].join(""),
    privateKey: ["-----BEGIN ", "RSA PRIVATE KEY-----\nFAKE\n-----END RSA PRIVATE KEY-----"].join(""),
    openai: ["sk", "proj", "FAKEfakeFAKEfakeFAKEfakeFAKE0123"].join("-"),
    random: ["Zq8", "vN3xR", "t7LpW2", "mK9sYd4"].join(""),
};

describe("secrets hygiene", () => {
    const withEnv = (env: object[], args?: string[]) => {
        const pod = hardenedPodSpec();
        pod.containers[0].env = env;
        if (args) pod.initContainers[0].args = args;
        return [workload("Deployment", pod)];
    };
    it("no-literal-credentials: accepts references, paths and ordinary settings", () => {
        const env = [
            { name: "RELAYER_SECRETS_DIR", value: "/var/run/secrets/consonant" },
            { name: "RELAYER_BACKEND_URL", value: "wss://backend.example.com/relay" },
            { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "token" } } },
            { name: "RELAYER_LOG_LEVEL", value: "info" },
        ];
        assert.deepEqual(messagesOf(withEnv(env), "no-literal-credentials"), []);
        // A rollout checksum of the mounted secrets is random-looking by design, and harmless.
        const checksum = workload("Deployment", hardenedPodSpec(), { annotations: { "consonant.io/secrets-checksum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" } });
        assert.deepEqual(messagesOf([checksum], "no-literal-credentials"), []);
    });
    it("no-literal-credentials: finds vendor keys in env, args, annotations and ConfigMaps without echoing them", () => {
        const stack = [
            ...withEnv([{ name: "ANTHROPIC_API_KEY", value: fake.anthropic }, { name: "X", value: fake.aws }], [`--github-token=${fake.github}`, "--slack", fake.slack]),
            resource("kubernetes:core/v1:ConfigMap", "cm", { metadata: { annotations: { note: fake.jwt } }, data: { "tls.key": fake.privateKey, "db_password": fake.random } }),
        ];
        const messages = messagesOf(stack, "no-literal-credentials");
        const all = messages.join("\n");
        assert.equal(messages.length, 7, all);
        assert.match(messagesOf(withEnv([{ name: "LLM_KEY", value: fake.openai }]), "no-literal-credentials")[0], /literal OpenAI API key/);
        for (const kind of ["Anthropic API key", "AWS access key ID", "GitHub token", "Slack token", "JSON Web Token", "private key", "high-entropy value"]) assert.ok(all.includes(kind), kind);
        assert.match(all, /container 'relayer' \(spec\.template\.spec\.containers\[0\]\.env\[0\] \(ANTHROPIC_API_KEY\)\.value\)/);
        for (const value of Object.values(fake)) assert.ok(!all.includes(value), "a message echoed the secret value");
    });
    it("no-literal-credentials: ExternalSecret templates may reference store values, not embed literals", () => {
        const externalSecret = (data: object) => [resource("kubernetes:external-secrets.io/v1:ExternalSecret", "es", { spec: { secretStoreRef: { name: "vault", kind: "ClusterSecretStore" }, target: { name: "relayer", template: { data } }, data: [] } })];
        assert.deepEqual(messagesOf(externalSecret({ "llm-anthropic-api-key": "{{ .apiKey }}" }), "no-literal-credentials"), []);
        assert.match(messagesOf(externalSecret({ "llm-anthropic-api-key": fake.anthropic }), "no-literal-credentials")[0], /ExternalSecret 'es' \(spec\.target\.template\.data\["llm-anthropic-api-key"\]\): holds a literal Anthropic API key/);
        assert.equal(messagesOf(externalSecret({ "db_password": fake.random }), "no-literal-credentials").length, 1);
    });
    it("no-literal-credentials: the entropy knobs decide about values under secret-sounding keys", () => {
        const stack = withEnv([{ name: "DB_PASSWORD", value: fake.random }]);
        assert.equal(messagesOf(stack, "no-literal-credentials").length, 1);
        assert.deepEqual(messagesOf(stack, "no-literal-credentials", { "no-literal-credentials": { minEntropyBits: 6 } }), []);
        assert.deepEqual(messagesOf(stack, "no-literal-credentials", { "no-literal-credentials": { minLength: 64 } }), []);
    });
    it("no-literal-kubernetes-secret: only with externalSecrets configured; data and stringData", () => {
        const secret = (props: object) => [resource("kubernetes:core/v1:Secret", "s", { metadata: { name: "s" }, ...props })];
        const on = { "no-literal-kubernetes-secret": { externalSecrets: true } };
        assert.deepEqual(messagesOf(secret({ stringData: { token: "x" } }), "no-literal-kubernetes-secret"), []);
        assert.match(messagesOf(secret({ stringData: { token: "x" } }), "no-literal-kubernetes-secret", on)[0], /literal values for \[token\] \(values not shown\)/);
        assert.equal(messagesOf(secret({ data: { a: "eA==" } }), "no-literal-kubernetes-secret", on).length, 1);
        assert.deepEqual(messagesOf(secret({ type: "Opaque" }), "no-literal-kubernetes-secret", on), []);
    });
});
