// Built in issue #16 (page in progress).
export default function MessagesPage() {
  return null;
}
