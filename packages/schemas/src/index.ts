export * from "./auth";
export * from "./common";
export * from "./files";
export * from "./organizations";
export * from "./users";
