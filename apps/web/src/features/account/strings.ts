import { defineMessages } from "../../i18n/define";

export const strings = defineMessages({}, {});
