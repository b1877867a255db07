import type { Industry, Organization, OrganizationPublic } from "@p2p/schemas";
import type { Selectable } from "kysely";
import type { OrganizationsTable } from "../../infra/postgres/schema";

export type OrganizationRow = Selectable<OrganizationsTable>;

export function toOrganizationPublic(org: OrganizationRow): OrganizationPublic {
  return {
    id: org.id,
    name: org.name,
    industry: org.industry as Industry,
    size: org.size as OrganizationPublic["size"],
    country: org.country,
    city: org.city,
    description: org.description,
    website: org.website,
    logoFileId: org.logoFileId,
  };
}

export function toOrganization(org: OrganizationRow): Organization {
  return { ...toOrganizationPublic(org), createdAt: org.createdAt, updatedAt: org.updatedAt };
}
