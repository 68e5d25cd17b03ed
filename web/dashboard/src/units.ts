// The handling units a centre may dispatch to (app/units): GET /units lists those the operator sees,
// of which the active ones of its own region and of the regions containing it are usable.
import { getJson, type Region } from "./api";

export interface Unit { code: string; name: string; kind: string; region_code: string; active: boolean }
interface Page { items: Unit[]; next_cursor: string | null }

const WIDTHS: [string, number][] = [["city", 4], ["county", 6], ["town", 9]];

/** The codes of the city, county and town containing a region, and its own (as the API's ancestors_or_self). */
export function containing(region: Region): string[] {
  const codes: string[] = [];
  for (const [level, width] of WIDTHS) {
    codes.push(region.code.slice(0, width).padEnd(12, "0"));
    if (level === region.level) return codes;
  }
  return [...codes, region.code];
}

/** The active units the centre of `region` may use, by name; read afresh each time (units are (de)activated). */
export async function usableUnits(region: Region): Promise<Unit[]> {
  const mine = new Set(containing(region));
  const found: Unit[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: Page = await getJson<Page>(`/units?limit=200${query}`);
    found.push(...page.items.filter((u) => u.active && mine.has(u.region_code)));
    cursor = page.next_cursor;
  } while (cursor);
  return found.sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
}
