// Built in issue #16 (page in progress).
export default function SearchPage() {
  return null;
}
