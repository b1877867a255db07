import { CityList, SearchCitiesInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { authedProcedure } from "../../trpc/procedures";
import { searchCities } from "./service";

/** The city gazetteer: public reference data, for anyone signed in (people and API keys). */
export const locationsRouter = router({
  searchCities: authedProcedure
    .meta(rest("GET", "/locations/cities", "City autocomplete: English or Arabic name prefix, typos forgiven"))
    .input(SearchCitiesInput)
    .output(CityList)
    .query(({ ctx, input }) => searchCities(ctx.deps.db, input)),
});
