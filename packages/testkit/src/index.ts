export {
  addMember,
  failure,
  lastMail,
  makeModerator,
  signIn,
  signUpAdmin,
  TEST_PASSWORD,
  type TestUser,
  uniqueEmail,
} from "./fixtures";
export { startTestServer, type TestServer, type TestServerOptions } from "./server";
export { dockerAvailable, repoRoot, resolveServices, type ServiceUrls } from "./services";
export { adminUrl, createTestStores, type TestStores } from "./stores";
