/**
 * Forum text for the benchmarks: titles and post bodies drawn from an industrial vocabulary with
 * Zipf-like word frequencies (a few words in nearly every post, most in a few percent of them),
 * plus rare words at fixed rates, from a seeded generator so a seed is the same every time.
 */

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Most frequent first: the word of rank k is drawn with weight 1/k. Distinct English stems. */
export const VOCABULARY = `
pump maintenance line production motor bearing temperature pressure valve sensor shift operator
quality supplier conveyor compressor vibration plant downtime inspection gearbox welding boiler
chiller forklift inverter extruder mould coolant filter lubrication alignment calibration torque
spindle hydraulic pneumatic cylinder actuator relay breaker transformer cable panel controller
schedule audit safety training warehouse inventory pallet packaging label scanner printer robot
gripper camera barcode tolerance defect scrap rework yield throughput bottleneck changeover setup
startup shutdown overheating leak corrosion rust crack fatigue wear noise smell spark fuse voltage
current frequency harmonics grounding earthing insulation thermography ultrasound oil grease
bolt nut washer gasket impeller shaft coupling belt chain sprocket pulley roller idler hopper silo
mixer dryer furnace kiln oven burner flame exhaust fan blower duct damper chimney stack steam
condensate trap heater cooler tower evaporator condenser refrigerant ammonia glycol brine water
softener reverse osmosis membrane tank vessel reactor agitator blade nozzle spray paint coating
powder resin polymer granule pellet injection blow extrusion film sheet laminate foil carton
box crate drum barrel bag sack tote bin trolley hoist crane sling shackle ladder scaffold
harness helmet glove goggle earplug respirator extinguisher sprinkler alarm evacuation permit
lockout tagout isolation confined hazard incident nearmiss firstaid ergonomics posture lifting
kaizen kanban lean sigma poka yoke andon gemba takt cycle oee mtbf mttr rca fmea pareto
histogram spc cpk gauge micrometer caliper thermocouple transmitter flowmeter manometer
`
  .trim()
  .split(/\s+/);

/** Rare words: each appears in a post with this probability (besides the vocabulary's draws). */
/** Every upper/lower-case spelling of `word` (2^length): the same search, a different text each time. */
export const casings = (word: string): string[] =>
  Array.from({ length: 2 ** word.length }, (_, mask) =>
    [...word].map((ch, i) => ((mask >> i) & 1 ? ch.toUpperCase() : ch)).join(""),
  );

export const RARE_WORDS = { cavitation: 0.0005, magnetostriction: 0.00005 } as const;

const FILLER = ["the", "on", "our", "with", "after", "and", "is", "in", "we", "a", "of", "since", "at"];

export class Corpus {
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(
    readonly random: () => number,
    readonly words = VOCABULARY,
  ) {
    let sum = 0;
    this.cumulative = words.map((_, k) => (sum += 1 / (k + 1)));
    this.total = sum;
  }

  /** One vocabulary word, by Zipf weight. */
  word(): string {
    const x = this.random() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo] as string;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** `n` words, a filler word now and then, rare words at their rates. */
  text(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      if (this.random() < 0.25) out.push(this.pick(FILLER));
      out.push(this.word());
    }
    for (const [word, rate] of Object.entries(RARE_WORDS)) {
      if (this.random() < rate) out.splice(this.int(0, out.length), 0, word);
    }
    return out.join(" ");
  }

  title(): string {
    const t = this.text(this.int(4, 9));
    return `${t.charAt(0).toUpperCase()}${t.slice(1)}`;
  }

  /** A post body of 15 to 60 words. */
  body(): string {
    return `${this.text(this.int(15, 60))}.`;
  }
}
