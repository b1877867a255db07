import type { RouterOutputs } from "@p2p/client";
import type { ReactNode } from "react";
import { Link } from "wouter";
import { useI18n } from "../../i18n";

export type TopicSummary = RouterOutputs["forums"]["listTopics"]["items"][number];
type Author = TopicSummary["author"];

export const authorName = (a: Pick<Author, "firstName" | "lastName">) => `${a.firstName} ${a.lastName}`;

/** The topic's state as small labels: pinned, locked, answered, organization-only. */
export function TopicBadges({ topic }: { topic: Pick<TopicSummary, "pinned" | "locked" | "answered" | "visibility"> }) {
  const { t } = useI18n();
  const badges = [
    topic.pinned && t("forums.badge.pinned"),
    topic.locked && t("forums.badge.locked"),
    topic.answered && t("forums.badge.answered"),
    topic.visibility === "organization" && t("forums.badge.organization"),
  ].filter((b): b is string => !!b);
  if (badges.length === 0) return null;
  return (
    <span className="forums-badges">
      {badges.map((b) => (
        <span key={b} className="forums-badge">
          {b}
        </span>
      ))}
    </span>
  );
}

/**
 * One topic in a list (the forums page, search results): its title linking to `href`, badges,
 * category, author, counts and last activity; `children` adds what the list shows besides (a snippet).
 */
export function TopicItem({ topic, href, children }: { topic: TopicSummary; href?: string; children?: ReactNode }) {
  const { t, format } = useI18n();
  return (
    <li className="forums-topic">
      <h3 className="forums-topic-title">
        <Link href={href ?? `/forums/topics/${topic.id}`}>{topic.title}</Link> <TopicBadges topic={topic} />
      </h3>
      {children}
      <p className="muted forums-topic-meta">
        <span>{topic.category.name}</span>
        <span>
          {t("forums.byline", { author: authorName(topic.author), organization: topic.author.organization.name })}
        </span>
        <span>{t("forums.replyCount", { count: topic.replyCount })}</span>
        <span>{t("forums.viewCount", { count: topic.viewCount })}</span>
        <span>{t("forums.likeCount", { count: topic.likeCount })}</span>
        <span>
          <time dateTime={topic.lastActivityAt.toISOString()}>
            {t("forums.lastActivity", { when: format.relative(topic.lastActivityAt) })}
          </time>
        </span>
      </p>
      <TopicTags tags={topic.tags} />
    </li>
  );
}

/** A topic's tags, each linking to the topics that have it. */
export function TopicTags({ tags }: { tags: string[] }) {
  const { t } = useI18n();
  if (tags.length === 0) return null;
  return (
    <ul className="forums-tags" aria-label={t("forums.tags")}>
      {tags.map((tag) => (
        <li key={tag}>
          <Link href={`/forums?tag=${encodeURIComponent(tag)}`}>
            <bdi>#{tag}</bdi>
          </Link>
        </li>
      ))}
    </ul>
  );
}
