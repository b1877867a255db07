export * from "./common";
export * from "./files";
