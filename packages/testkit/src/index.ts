export {
  addMember,
  countRows,
  failure,
  lastMail,
  makeModerator,
  signIn,
  signInWithCookie,
  signUpAdmin,
  signUpCast,
  TEST_PASSWORD,
  type TestUser,
  uniqueEmail,
  uploadFile,
} from "./fixtures";
export { png } from "./images";
export {
  type InstanceService,
  localInstanceSupport,
  type ServiceInstance,
  serviceInstance,
} from "./instance";
export { repoRoot, serverNodeArgs } from "./repo";
export {
  startTestServer,
  type TestClientOptions,
  type TestServer,
  type TestServerOptions,
  testClient,
} from "./server";
export {
  dockerAvailable,
  redisServerPath,
  resolveServices,
  type ServiceUrls,
} from "./services";
export { adminUrl, createTestStores, type TestStores, testS3Client } from "./stores";
