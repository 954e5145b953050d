/**
 * Words that never make a keyword of a suggestion: function words, and the words suggestions are
 * framed with (希望, 建议, 加强, please, more…), which say how residents ask, not what about.
 * Chinese lists hold both scripts, since a resident's language setting does not fix the script
 * they type in. English words are listed in the form keywords.ts counts (lower case, singular).
 */

const CHINESE = `
的 了 着 过 是 在 有 多 少 好 大 小 老 再次 和 与 及 或 并 而 也 都 就 还 又 再 才 只 很 太 更 最 非常 比较 特别 十分 挺 真 真的
我 我们 你 你们 他 她 它 他们 她们 它们 大家 自己 咱们 本人 别人 人家 这 那 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么
什么 怎么 怎样 如何 为什么 哪 哪里 哪儿 谁 多少 几 吗 呢 吧 啊 呀 哦 嗯 哈 啦 嘛 么 呗
不 没 没有 别 不要 不能 不会 不是 无 非 未
把 被 让 给 对 对于 关于 从 到 向 往 为 为了 因为 所以 由于 因此 但 但是 可是 然而 不过 如果 要是 虽然 即使 而且 并且 或者 还是 以及 等 等等 之 其 其他 其它 另外
一 一个 一些 一点 一下 一直 一定 一起 一般 一样 一次 有些 有的 有点 很多 许多 好多 每 每个 各 各位 各种 所有 任何 全部
会 能 能够 可以 可能 应该 应当 需要 要 想 得 必须 希望 建议 请 请求 恳请 要求 感谢 谢谢 辛苦 麻烦 觉得 认为 感觉 知道 看到 发现
加强 增加 增强 提高 改善 改进 完善 加大 多多 及时 尽快 尽量 继续 进一步 更加 进行 开展 做好 做到 搞好 落实 重视 注意 关注 解决 处理 问题 情况 方面 工作 事情 地方 时候 时间 现在 目前 最近 以前 以后 今后 平时 经常 总是 已经 曾经 还有 就是 也是 都是 只是 还是 不是 就是说 没什么 没事 没有什么 挺好 很好 不错 满意 一切 正常
晚上 白天 早上 上午 下午 中午 夜里 天天 每天 平常
们 這 這個 那個 這些 那些 這裡 那裡 這樣 那樣 這麼 那麼 為什麼 哪裡 哪兒 誰 嗎 呢 吧 啊 呀 沒 沒有 別 不會 無
對 對於 關於 從 為 為了 因為 所以 由於 因此 但是 可是 然而 不過 如果 要是 雖然 即使 而且 並且 或者 還是 以及 等等 其他 其它 另外
一個 一些 一點 一下 一直 一定 一起 一般 一樣 一次 有些 有的 有點 很多 許多 好多 每個 各位 各種 所有 任何 全部
會 能夠 可以 可能 應該 應當 需要 要 想 必須 希望 建議 請 請求 懇請 要求 感謝 謝謝 辛苦 麻煩 覺得 認為 感覺 知道 看到 發現
加強 增加 增強 提高 改善 改進 完善 加大 多多 及時 盡快 儘快 盡量 儘量 繼續 進一步 更加 進行 開展 做好 做到 搞好 落實 重視 注意 關注 解決 處理 問題 情況 方面 工作 事情 地方 時候 時間 現在 目前 最近 以前 以後 今後 平時 經常 總是 已經 曾經 還有 就是 也是 都是 只是 不是 沒什麼 沒事 挺好 很好 不錯 滿意 一切 正常
晚上 白天 早上 上午 下午 中午 夜裡 天天 每天 平常
`;

const ENGLISH = `
a an the and or but nor not no yes so too very also just only even still yet than then there here this that these those
i me my mine we us our ours you your yours he him his she her hers it its they them their theirs one ones someone anyone everyone
is are was were be been being am do does did done doing have has had having will would shall should can could may might must
to of in on at by for with from about into onto over under between through during before after above below up down out off again
what which who whom whose when where why how all any both each few many much more most other some such own same
if because as until while although though whether either neither
please hope wish suggest suggestion think feel like want need needs get got make made let thank thanks
lot lots thing things way really well good better best bad also maybe perhaps always often sometime sometimes never ever
night evening morning afternoon daytime now today recently currently already every around near area place time year day week month people person resident
increase improve improvement strengthen enhance add more provide keep continue better issue problem
`;

function words(list: string): Set<string> {
  return new Set(list.split(/\s+/u).filter((w) => w.length > 0));
}

/**
 * Every stop word, whatever the resident's language setting: residents mix scripts and languages,
 * and no word of one list is a content word of another.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([...words(CHINESE), ...words(ENGLISH)]);
