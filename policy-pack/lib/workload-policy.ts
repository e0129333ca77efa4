// Glue shared by the workload policies: find the pod template of any workload kind, walk its containers
// with the "report what is known, then say undecided" rule, and phrase findings uniformly as
// formatFinding's wording, so every message names the container, field, problem and fix.
import type { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { formatFinding } from "./finding";
import { ContainerView, containersOf, describeContainer, WorkloadView, workloadOf } from "./k8s-workloads";
import { checkEach } from "./unknowns";

export interface WorkloadContext {
    args: ResourceValidationArgs;
    workload: WorkloadView;
    /** "Deployment 'relayer'" */
    subject: string;
    /** Reports one finding about the workload. */
    report(field: string, problem: string, fix: string): void;
    /** Reports one finding about a container (field relative to the container). */
    reportContainer(container: ContainerView, field: string, problem: string, fix: string): void;
}

function contextFor(args: ResourceValidationArgs, workload: WorkloadView, reportViolation: ReportViolation): WorkloadContext {
    const subject = `${workload.kind}${workload.patch ? "Patch" : ""} '${args.name}'`;
    return {
        args,
        workload,
        subject,
        report: (field, problem, fix) => reportViolation(formatFinding(subject, field, problem, fix)),
        reportContainer: (container, field, problem, fix) =>
            reportViolation(formatFinding(`${subject} ${describeContainer(container)}`, `${container.path}.${field}`, problem, fix)),
    };
}

/** A validation that runs `check` on workload resources only. */
export function validateWorkload(check: (context: WorkloadContext) => void): ResourceValidation {
    return (args, reportViolation) => {
        const workload = workloadOf(args.type, args.props);
        if (workload) check(contextFor(args, workload, reportViolation));
    };
}

/** A validation that runs `check` on each container (regular, init, ephemeral) of a workload. */
export function validateContainers(
    check: (context: WorkloadContext, container: ContainerView) => void,
    options: { groups?: readonly ContainerView["group"][] } = {},
): ResourceValidation {
    return validateWorkload((context) => {
        const containers = containersOf(context.workload).filter((container) => !options.groups || options.groups.includes(container.group));
        checkEach(containers, (container) => check(context, container));
    });
}

/**
 * Runs `check` for every workload a stack policy judges, with the same "report what is known, then say
 * undecided" rule. `*Patch` resources are skipped: they are fragments of an object managed elsewhere, so
 * neither their labels nor their replica count describe the pods that will run.
 */
export function eachStackWorkload(resources: readonly PolicyResource[], check: (resource: PolicyResource, workload: WorkloadView) => void): void {
    checkEach(resources, (resource) => {
        const workload = workloadOf(resource.type, resource.props);
        if (workload && !workload.patch) check(resource, workload);
    });
}
