import type { MediaAsset } from "@p2p/schemas";

/** A stored file's address; the server decides who may download it. */
export const fileUrl = (id: string) => `/files/${id}`;

/**
 * A processed photo's or video's thumbnail (320 and 640 px wide, the browser picks), or a blank
 * tile while it is processed, failed, or there is none. Decorative: the card's title says what it is.
 */
export function Thumbnail({ asset }: { asset: MediaAsset | null }) {
  const small = asset?.status === "ready" ? asset.thumb320FileId : null;
  if (!asset || !small) return <div className="uc-thumb uc-thumb-blank" aria-hidden="true" />;
  const large = asset.thumb640FileId;
  return (
    <img
      className="uc-thumb"
      src={fileUrl(small)}
      srcSet={large ? `${fileUrl(small)} 320w, ${fileUrl(large)} 640w` : undefined}
      sizes="(max-width: 40rem) 100vw, 20rem"
      alt=""
      loading="lazy"
    />
  );
}
