/**
 * Builders for realistic Telegram Bot API `Update` objects, for tests that drive a bot through
 * `FakeTelegram` (./fake-telegram/) (or call `bot.handleUpdate` directly).
 *
 * Conventions:
 * - `update_id: 0` and `message_id: 0` mean "not assigned yet": `FakeTelegram.pushUpdate` replaces
 *   them with the next update id / the chat's next message id (message ids are per chat in
 *   Telegram, shared between the user's and the bot's messages). A `date` of 0 becomes "now".
 *   When a builder's output is fed to `bot.handleUpdate` directly, pass explicit ids instead.
 * - Users default to realistic shapes (`is_bot: false`, a first name, optional `language_code`).
 * - File ids generated here look like `fake_<kind>_<n>`; `FakeTelegram` accepts them when the
 *   bot re-sends them (e.g. `sendPhoto(chat, fileIdFromUpdate)`), because it learns every
 *   `file_id` that appears in a pushed update.
 *
 * Nothing in this module performs I/O.
 */
import type {
  CallbackQuery,
  Chat,
  ChatMember,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
} from "grammy/types";

/** The subset of a Telegram user that tests usually care about; everything else is defaulted. */
export interface UserLike {
  /** Telegram user id (positive, up to 52 bits). */
  id: number;
  /** First name; defaults to `"User<id>"`-like text when omitted. */
  first_name?: string;
  /** Last name, if any. */
  last_name?: string;
  /** Public @username without the `@`, if any. */
  username?: string;
  /** IETF language tag the user's client reports, e.g. `"zh-hans"`, `"en"`. */
  language_code?: string;
  /** True for bots. */
  is_bot?: boolean;
}

/** The kinds of chat member status that {@link chatMemberUpdate} understands. */
export type MemberStatus = "member" | "kicked" | "left" | "administrator" | "creator" | "restricted";

/** Options shared by message builders. */
export interface MessageOptions {
  /** Chat the message is in; defaults to the private chat with the sender. */
  chat?: Chat;
  /** Message id; 0 (default) lets `FakeTelegram.pushUpdate` assign the chat's next id. */
  messageId?: number;
  /** Unix time in seconds; 0 (default) means "now" when pushed through `FakeTelegram`. */
  date?: number;
  /** Message this one replies to (it is embedded as `reply_to_message`, without its own reply). */
  replyTo?: Message;
  /** Forum topic / thread id. */
  messageThreadId?: number;
}

let fileCounter = 0;
let queryCounter = 0;

/** Returns a fresh, readable fake file id and its unique id for the given media kind. */
export function fakeFileId(kind: string): { file_id: string; file_unique_id: string } {
  fileCounter += 1;
  const n = fileCounter.toString().padStart(4, "0");
  return { file_id: `fake_${kind}_${n}`, file_unique_id: `uniq_${kind}_${n}` };
}

/** Returns a fresh callback/inline query id (Telegram uses long decimal strings). */
export function fakeQueryId(): string {
  queryCounter += 1;
  return `${4_200_000_000_000_000_000n + BigInt(queryCounter)}`;
}

/** Builds a full `User` from a {@link UserLike}, filling in `is_bot` and a first name. */
export function user(from: UserLike): User {
  const u: User = {
    id: from.id,
    is_bot: from.is_bot ?? false,
    first_name: from.first_name ?? `Resident${String(from.id).slice(-4)}`,
  };
  if (from.last_name !== undefined) u.last_name = from.last_name;
  if (from.username !== undefined) u.username = from.username;
  if (from.language_code !== undefined) u.language_code = from.language_code;
  return u;
}

/** The private chat between the bot and `from` (its id equals the user id). */
export function privateChat(from: UserLike): Chat.PrivateChat {
  const u = user(from);
  const chat: Chat.PrivateChat = { id: u.id, type: "private", first_name: u.first_name };
  if (u.last_name !== undefined) chat.last_name = u.last_name;
  if (u.username !== undefined) chat.username = u.username;
  return chat;
}

/** A basic group (negative id, e.g. `-4012345678`). */
export function groupChat(id: number, title = "Neighbourhood group"): Chat.GroupChat {
  if (id >= 0) throw new Error(`group chat ids are negative, got ${id}`);
  return { id, type: "group", title };
}

/** A supergroup (id like `-100xxxxxxxxxx`). */
export function supergroupChat(id: number, title = "Community supergroup", username?: string): Chat.SupergroupChat {
  if (id >= 0) throw new Error(`supergroup ids are negative, got ${id}`);
  const chat: Chat.SupergroupChat = { id, type: "supergroup", title };
  if (username !== undefined) chat.username = username;
  return chat;
}

/** A channel (id like `-100xxxxxxxxxx`). */
export function channelChat(id: number, title = "Safety tips channel", username?: string): Chat.ChannelChat {
  if (id >= 0) throw new Error(`channel ids are negative, got ${id}`);
  const chat: Chat.ChannelChat = { id, type: "channel", title };
  if (username !== undefined) chat.username = username;
  return chat;
}

/**
 * Entities a Telegram client/server detects automatically in plain text: `bot_command`
 * (`/start`, `/start@my_bot`), `mention` (`@name`), `hashtag`, `url` (http/https) and `email`.
 * Offsets and lengths are in UTF-16 code units, as in the Bot API.
 */
export function detectEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [];
  const taken: Array<[number, number]> = [];
  const free = (start: number, end: number) => taken.every(([s, e]) => end <= s || start >= e);
  const add = (type: MessageEntity.CommonMessageEntity["type"], offset: number, length: number) => {
    if (length <= 0 || !free(offset, offset + length)) return;
    taken.push([offset, offset + length]);
    found.push({ type, offset, length });
  };
  const scan = (re: RegExp, type: MessageEntity.CommonMessageEntity["type"], trim?: RegExp) => {
    for (const m of text.matchAll(re)) {
      const lead = m[1] ?? "";
      let value = m[2] ?? "";
      if (trim) value = value.replace(trim, "");
      add(type, (m.index ?? 0) + lead.length, value.length);
    }
  };
  scan(/(^|[^\w/])(https?:\/\/[^\s<>"]+)/g, "url", /[.,;:!?)\]}'"]+$/);
  scan(/(^|[\s(])([\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g, "email");
  scan(/(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])/g, "bot_command");
  scan(/(^|[^\w@])(@[A-Za-z0-9_]{4,32})(?!\w)/g, "mention");
  scan(/(^|[^\p{L}\p{N}_#])(#[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/gu, "hashtag");
  return found.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

function baseMessage(from: UserLike, opts: MessageOptions): Message & { from: User; chat: Chat } {
  const msg: Message & { from: User; chat: Chat } = {
    message_id: opts.messageId ?? 0,
    from: user(from),
    chat: opts.chat ?? privateChat(from),
    date: opts.date ?? 0,
  };
  if (opts.messageThreadId !== undefined) msg.message_thread_id = opts.messageThreadId;
  if (opts.replyTo) {
    const { reply_to_message: _nested, ...reply } = opts.replyTo;
    msg.reply_to_message = reply as Message & { reply_to_message: undefined };
  }
  return msg;
}

/** A text message from `from`; entities are auto-detected (commands, mentions, URLs...) unless given. */
export function textMessage(
  from: UserLike,
  text: string,
  opts: MessageOptions & { entities?: MessageEntity[] } = {},
): Message.TextMessage & { from: User } {
  const msg = baseMessage(from, opts);
  const entities = opts.entities ?? detectEntities(text);
  return { ...msg, text, ...(entities.length > 0 ? { entities } : {}) };
}

/** Wraps a message into a `message` update (or `channel_post` for channel chats). */
export function messageUpdate(message: Message): Update {
  if (message.chat.type === "channel") {
    return { update_id: 0, channel_post: message as Update["channel_post"] & object };
  }
  return { update_id: 0, message: message as NonNullable<Update["message"]> };
}

/** A `message` update carrying a text message. */
export function textUpdate(from: UserLike, text: string, opts: MessageOptions = {}): Update {
  return messageUpdate(textMessage(from, text, opts));
}

/** A `/command args` message; the `bot_command` entity is set exactly like Telegram does. */
export function commandUpdate(from: UserLike, command: string, args = "", opts: MessageOptions = {}): Update {
  const cmd = command.startsWith("/") ? command : `/${command}`;
  return textUpdate(from, args ? `${cmd} ${args}` : cmd, opts);
}

/**
 * An `edited_message` update: the same message id and chat as `original`, new text, `edit_date`.
 * `original` must carry its real `message_id` (e.g. the value returned by `FakeTelegram.sendText`).
 */
export function editedTextUpdate(original: Message, newText: string, editDate = Math.floor(Date.now() / 1000)): Update {
  if (!original.from) throw new Error("editedTextUpdate: original message has no sender");
  const entities = detectEntities(newText);
  const { entities: _old, ...rest } = original;
  const edited: Message = { ...rest, text: newText, edit_date: editDate, ...(entities.length > 0 ? { entities } : {}) };
  return { update_id: 0, edited_message: edited as NonNullable<Update["edited_message"]> };
}

/** Realistic photo sizes for an uploaded picture (thumbnail, medium, large). */
export function photoSizes(width = 1280, height = 960): PhotoSize[] {
  const base = fakeFileId("photo");
  const boxes = [90, 320, 800, 1280];
  const sizes: PhotoSize[] = [];
  for (const box of boxes) {
    const scale = Math.min(1, box / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    sizes.push({
      file_id: `${base.file_id}_${box}`,
      file_unique_id: `${base.file_unique_id}_${box}`,
      width: w,
      height: h,
      file_size: Math.round(w * h * 0.15),
    });
    if (scale === 1) break;
  }
  return sizes;
}

/** A photo message (several `PhotoSize`s, optional caption). */
export function photoUpdate(
  from: UserLike,
  opts: MessageOptions & { caption?: string; width?: number; height?: number } = {},
): Update {
  const msg: Message = { ...baseMessage(from, opts), photo: photoSizes(opts.width, opts.height) };
  if (opts.caption !== undefined) {
    msg.caption = opts.caption;
    const entities = detectEntities(opts.caption);
    if (entities.length > 0) msg.caption_entities = entities;
  }
  return messageUpdate(msg);
}

/** A sticker message (static webp sticker by default). */
export function stickerUpdate(from: UserLike, opts: MessageOptions & { emoji?: string; setName?: string } = {}): Update {
  const ids = fakeFileId("sticker");
  const msg: Message = {
    ...baseMessage(from, opts),
    sticker: {
      ...ids,
      type: "regular",
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: opts.emoji ?? "👍",
      set_name: opts.setName ?? "FakeStickerSet",
      file_size: 23_456,
    },
  };
  return messageUpdate(msg);
}

/** A voice note (OGG/Opus), e.g. a resident dictating feedback. */
export function voiceUpdate(from: UserLike, opts: MessageOptions & { duration?: number; caption?: string } = {}): Update {
  const ids = fakeFileId("voice");
  const duration = opts.duration ?? 7;
  const msg: Message = {
    ...baseMessage(from, opts),
    voice: { ...ids, duration, mime_type: "audio/ogg", file_size: duration * 2_000 },
  };
  if (opts.caption !== undefined) msg.caption = opts.caption;
  return messageUpdate(msg);
}

/** A document (file) message. */
export function documentUpdate(
  from: UserLike,
  opts: MessageOptions & { fileName?: string; mimeType?: string; fileSize?: number; caption?: string } = {},
): Update {
  const ids = fakeFileId("document");
  const msg: Message = {
    ...baseMessage(from, opts),
    document: {
      ...ids,
      file_name: opts.fileName ?? "report.pdf",
      mime_type: opts.mimeType ?? "application/pdf",
      file_size: opts.fileSize ?? 48_213,
    },
  };
  if (opts.caption !== undefined) msg.caption = opts.caption;
  return messageUpdate(msg);
}

/** A location message (one-off pin, or a live location when `livePeriod` is given). */
export function locationUpdate(
  from: UserLike,
  latitude: number,
  longitude: number,
  opts: MessageOptions & { horizontalAccuracy?: number; livePeriod?: number } = {},
): Update {
  const msg: Message = { ...baseMessage(from, opts), location: { latitude, longitude } };
  if (opts.horizontalAccuracy !== undefined) msg.location!.horizontal_accuracy = opts.horizontalAccuracy;
  if (opts.livePeriod !== undefined) msg.location!.live_period = opts.livePeriod;
  return messageUpdate(msg);
}

/** A shared contact; with `own: true` it is the sender's own phone number (request_contact button). */
export function contactUpdate(
  from: UserLike,
  phoneNumber: string,
  opts: MessageOptions & { own?: boolean; firstName?: string } = {},
): Update {
  const sender = user(from);
  const msg: Message = {
    ...baseMessage(from, opts),
    contact: {
      phone_number: phoneNumber,
      first_name: opts.firstName ?? sender.first_name,
      ...(opts.own ? { user_id: sender.id } : {}),
    },
  };
  return messageUpdate(msg);
}

/** A `callback_query` object for a button press on `message` (a message sent by the bot). */
export function callbackQuery(from: UserLike, message: Message, data: string): CallbackQuery {
  return {
    id: fakeQueryId(),
    from: user(from),
    message: message as CallbackQuery["message"] & object,
    chat_instance: chatInstance(message.chat.id),
    data,
  };
}

/** A `callback_query` update (see {@link callbackQuery}). */
export function callbackQueryUpdate(from: UserLike, message: Message, data: string): Update {
  return { update_id: 0, callback_query: callbackQuery(from, message, data) };
}

/** Stable `chat_instance` string for a chat, like Telegram's (opaque, per chat). */
export function chatInstance(chatId: number): string {
  return (BigInt(chatId) * 7_919n + 5_550_123_456_789n).toString();
}

function member(status: MemberStatus, who: User): ChatMember {
  switch (status) {
    case "member":
      return { status: "member", user: who };
    case "left":
      return { status: "left", user: who };
    case "kicked":
      return { status: "kicked", user: who, until_date: 0 };
    case "creator":
      return { status: "creator", user: who, is_anonymous: false } as ChatMember;
    case "restricted":
      return {
        status: "restricted",
        user: who,
        is_member: true,
        until_date: 0,
        can_send_messages: false,
      } as unknown as ChatMember;
    case "administrator":
      return {
        status: "administrator",
        user: who,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: false,
        can_restrict_members: false,
        can_promote_members: false,
        can_change_info: false,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
      } as unknown as ChatMember;
  }
}

/**
 * A `my_chat_member` update: the bot's own membership in `chat` changed because of `actor`.
 * In a private chat, `kicked` means the user blocked the bot and `member` that they (re)started it.
 */
export function myChatMemberUpdate(
  actor: UserLike,
  bot: User,
  oldStatus: MemberStatus,
  newStatus: MemberStatus,
  chat: Chat = privateChat(actor),
): Update {
  return {
    update_id: 0,
    my_chat_member: {
      chat,
      from: user(actor),
      date: Math.floor(Date.now() / 1000),
      old_chat_member: member(oldStatus, bot),
      new_chat_member: member(newStatus, bot),
    },
  };
}

/**
 * A `chat_member` update (another member's status changed in a group). Note that Telegram only
 * delivers these when `allowed_updates` explicitly includes `"chat_member"`.
 */
export function chatMemberUpdate(
  actor: UserLike,
  subject: UserLike,
  chat: Chat,
  oldStatus: MemberStatus,
  newStatus: MemberStatus,
): Update {
  return {
    update_id: 0,
    chat_member: {
      chat,
      from: user(actor),
      date: Math.floor(Date.now() / 1000),
      old_chat_member: member(oldStatus, user(subject)),
      new_chat_member: member(newStatus, user(subject)),
    },
  };
}

/** A service message announcing that users joined a group (`new_chat_members`). */
export function newChatMembersUpdate(actor: UserLike, chat: Chat, members: UserLike[], opts: MessageOptions = {}): Update {
  const msg: Message = { ...baseMessage(actor, { ...opts, chat }), new_chat_members: members.map(user) };
  return messageUpdate(msg);
}

/** A text post in a channel (`channel_post`; no `from`, optional author signature). */
export function channelPostUpdate(
  chat: Chat.ChannelChat,
  text: string,
  opts: { messageId?: number; date?: number; authorSignature?: string } = {},
): Update {
  const entities = detectEntities(text);
  const post: Message = {
    message_id: opts.messageId ?? 0,
    sender_chat: chat,
    chat,
    date: opts.date ?? 0,
    text,
    ...(entities.length > 0 ? { entities } : {}),
    ...(opts.authorSignature !== undefined ? { author_signature: opts.authorSignature } : {}),
  };
  return { update_id: 0, channel_post: post as NonNullable<Update["channel_post"]> };
}

/** An `inline_query` update (the user typed `@bot query` in some chat). */
export function inlineQueryUpdate(from: UserLike, query: string, offset = ""): Update {
  return {
    update_id: 0,
    inline_query: { id: fakeQueryId(), from: user(from), query, offset, chat_type: "private" },
  };
}

/** The smallest valid PNG (1×1, transparent): a real image for `sendPhoto` uploads in tests. */
export function tinyPng(): Buffer {
  return Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  );
}
