// The relayer's Kubernetes workload: the component and its pure builders.
export * from "./relayer-namespace";
export * from "./relayer-workload";
export * from "./settings";
export * from "./container";
export * from "./labels";
export * from "./monitoring";
export * from "./network-policy";
export * from "./rbac";
export * from "./scheduling";
export * from "./security";
export * from "./values";
