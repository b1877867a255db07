/** A person's picture, or their initials on a disc; decorative (the name is always next to it). */
export function MemberAvatar({
  fileId,
  firstName,
  lastName,
}: {
  fileId: string | null;
  firstName: string;
  lastName: string;
}) {
  if (fileId) return <img src={`/files/${fileId}`} alt="" className="org-avatar" />;
  return (
    <span className="org-avatar org-initials" aria-hidden="true">
      {firstName.slice(0, 1)}
      {lastName.slice(0, 1)}
    </span>
  );
}
