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
} from "./fixtures";
export { startTestServer, type TestServer, type TestServerOptions } from "./server";
export { dockerAvailable, redisServerPath, repoRoot, resolveServices, type ServiceUrls } from "./services";
export { adminUrl, createTestStores, type TestStores, testS3Client } from "./stores";
