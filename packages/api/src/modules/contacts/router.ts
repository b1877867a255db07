import { BlockedList, ContactList, ContactUserInput, ListContactsInput, Ok, PageInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { sessionProcedure } from "../../trpc/procedures";
import * as contacts from "./service";

/** Your own address book and block list: personal, so people only (no API keys). */
export const contactsRouter = router({
  list: sessionProcedure
    .meta(rest("GET", "/contacts", "Your contacts, by name"))
    .input(ListContactsInput)
    .output(ContactList)
    .query(({ ctx, input }) => contacts.listContacts(ctx.deps, ctx.principal, input)),
  add: sessionProcedure
    .meta(rest("POST", "/contacts", "Add someone to your contacts"))
    .input(ContactUserInput)
    .output(Ok)
    .mutation(({ ctx, input }) => contacts.addContact(ctx.deps, ctx.principal, input.userId)),
  remove: sessionProcedure
    .meta(rest("DELETE", "/contacts/{userId}", "Remove someone from your contacts"))
    .input(ContactUserInput)
    .output(Ok)
    .mutation(({ ctx, input }) => contacts.removeContact(ctx.deps, ctx.principal, input.userId)),
  block: sessionProcedure
    .meta(rest("POST", "/contacts/blocked", "Block someone: no messages or typing, presence hidden both ways"))
    .input(ContactUserInput)
    .output(Ok)
    .mutation(({ ctx, input }) => contacts.block(ctx.deps, ctx.principal, input.userId)),
  unblock: sessionProcedure
    .meta(rest("DELETE", "/contacts/blocked/{userId}", "Unblock someone"))
    .input(ContactUserInput)
    .output(Ok)
    .mutation(({ ctx, input }) => contacts.unblock(ctx.deps, ctx.principal, input.userId)),
  listBlocked: sessionProcedure
    .meta(rest("GET", "/contacts/blocked", "People you blocked, newest first"))
    .input(PageInput)
    .output(BlockedList)
    .query(({ ctx, input }) => contacts.listBlocked(ctx.deps, ctx.principal, input)),
});
