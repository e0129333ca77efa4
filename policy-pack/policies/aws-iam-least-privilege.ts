// IAM permission documents: no `*` action (or NotAction allows), and no `*` resource on Secrets Manager
// or KMS actions — those would expose every secret and key of the account.
import type { ReportViolation } from "@pulumi/policy";
import { actionTouchesService, describeStatement, parseIamDocument, resourceCoversService } from "../lib/iam-document";
import { asRecord } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";

const SENSITIVE_SERVICES = ["secretsmanager", "kms"];

/** Resource types whose `policy` input is a permissions document. */
const DOCUMENT_TYPES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];

function checkDocument(where: string, field: string, document: unknown, report: ReportViolation): void {
    const parsed = parseIamDocument(document);
    if (!parsed.ok) {
        report(formatFinding(where, field, `the policy document ${parsed.problem}`, "provide a valid IAM JSON policy document"));
        return;
    }
    parsed.statements.forEach((statement, index) => {
        if (statement.effect !== "Allow") return;
        const name = describeStatement(statement, index);
        const wildcardActions = statement.actions.filter((action) => action === "*" || action === "*:*");
        if (wildcardActions.length > 0) report(formatFinding(where, `${field} ${name} Action`, 'allows "*" (every action of every service)', "list the specific actions needed"));
        if (statement.notActions.length > 0) report(formatFinding(where, `${field} ${name} NotAction`, "allows everything except a few actions", "use Action with the specific actions needed"));
        const services = SENSITIVE_SERVICES.filter((service) => statement.actions.some((action) => actionTouchesService(action, service)));
        const everything = services.length > 0 && (statement.notResources.length > 0 || services.some((service) => statement.resources.some((resource) => resourceCoversService(resource, service))));
        if (everything) {
            const sensitive = statement.actions.filter((action) => services.some((service) => actionTouchesService(action, service)));
            report(formatFinding(where, `${field} ${name} Resource`, `grants ${sensitive.join(", ")} on every resource ("*", a wildcard-only ARN or NotResource)`, "scope Resource to the ARNs of the specific secrets or keys"));
        }
    });
}

export const awsIamLeastPrivilege: PackResourcePolicy = {
    name: "aws-iam-least-privilege",
    description: "IAM policies must not allow `*` actions or Secrets Manager/KMS actions on `*` resources.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: AWS IAM"),
    remediationSteps: "List specific actions and scope Secrets Manager and KMS statements to the ARNs they need.",
    validateResource: (args, reportViolation) => {
        if (DOCUMENT_TYPES.includes(args.type)) {
            checkDocument(`${args.type.slice(args.type.lastIndexOf(":") + 1)} '${args.name}'`, "policy", args.props["policy"], reportViolation);
        } else if (args.type === "aws:iam/role:Role") {
            const inline = args.props["inlinePolicies"];
            if (!Array.isArray(inline)) return;
            checkEach(inline.map((entry, index) => ({ entry: asRecord(entry), index })), ({ entry, index }) => {
                if (entry["policy"] === undefined || entry["policy"] === "") return;
                checkDocument(`Role '${args.name}' inline policy '${String(entry["name"])}'`, `inlinePolicies[${index}].policy`, entry["policy"], reportViolation);
            });
        }
    },
};
