import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, readSse } from "../api.ts";
import type { Strings } from "../i18n.ts";
import type { Ticket, TicketDetail } from "./agent-types.ts";
import { botViewByTurn, describeTurn, sentimentTrend } from "./bot-view.ts";
import { cannedReplies } from "./canned.ts";

interface Suggestion {
  text: string;
  source: "kb" | "llm" | "canned";
  citations: { title: string }[];
  /** The language of `text` where it may differ from the console's (canned replies: the customer's). */
  lang?: string;
}

/** The hand-off queue live from the server, the selected ticket's transcript with the bot's view, and the reply box. */
export function AgentWorkspace({ t }: { t: Strings }) {
  const [queue, setQueue] = useState<Ticket[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [draft, setDraft] = useState("");
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const suggestedFor = useRef("");
  const [error, setError] = useState<string | null>(null);
  const [agents, setAgents] = useState<{ username: string; displayName: string }[]>([]);
  const [transferTo, setTransferTo] = useState("");
  const [customerTyping, setCustomerTyping] = useState<string | null>(null);
  /** Why the transcript pane is empty when it is not the agent's doing: the open ticket was erased. */
  const [erasedNotice, setErasedNotice] = useState(false);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const loadQueue = useCallback(async () => {
    const res = await api<{ data: Ticket[] }>("/api/agent/queue");
    setQueue(res.data);
  }, []);
  /**
   * A ticket erased with its customer's data (`ticket_removed`, or a 404 where a server could
   * not announce it): it leaves the queue, and if it was open its transcript goes with a notice.
   */
  const dropTicket = useCallback((id: string) => {
    setQueue((q) => q.filter((x) => x.id !== id));
    if (selectedRef.current !== id) return;
    selectedRef.current = null;
    setSelected(null);
    setDetail(null);
    setSuggestions([]);
    setDraft("");
    setError(null);
    suggestedFor.current = "";
    setErasedNotice(true);
  }, []);
  const loadDetail = useCallback(
    async (id: string) => {
      let d: TicketDetail;
      try {
        d = await api<TicketDetail>(`/api/agent/tickets/${id}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          dropTicket(id);
          return;
        }
        throw err;
      }
      if (selectedRef.current !== id) return;
      setDetail(d);
      // Suggestions can take a model's generation: show the transcript first, fill them in after,
      // and only when the customer has said something new.
      const lastUser = [...d.messages].reverse().find((m) => m.role === "user");
      const key = `${id}:${lastUser?.seq ?? 0}`;
      if (suggestedFor.current === key) return;
      suggestedFor.current = key;
      api<{ data: Suggestion[] }>(`/api/agent/tickets/${id}/suggestions`).then(
        (res) => {
          if (selectedRef.current === id) setSuggestions(res.data);
        },
        () => setSuggestions([]),
      );
    },
    [dropTicket],
  );

  useEffect(() => {
    const controller = new AbortController();
    const run = async () => {
      while (!controller.signal.aborted) {
        try {
          await loadQueue();
          await readSse(
            "/api/agent/events",
            (ev) => {
              if (ev.event !== "customer_typing") void loadQueue();
              try {
                const data = JSON.parse(ev.data) as { ticketId?: string; ticket?: { id: string } };
                const id = data.ticketId ?? data.ticket?.id;
                if (ev.event === "customer_typing") {
                  if (id) setCustomerTyping(id);
                  return;
                }
                if (ev.event === "ticket_removed") {
                  if (id) dropTicket(id);
                  return;
                }
                if (ev.event === "customer_message" && id) setCustomerTyping((t) => (t === id ? null : t));
                if (id && id === selectedRef.current) void loadDetail(id);
              } catch {
                /* keep-alive or non-JSON event */
              }
            },
            { signal: controller.signal },
          );
        } catch {
          if (controller.signal.aborted) return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    void run();
    return () => controller.abort();
  }, [loadQueue, loadDetail, dropTicket]);

  useEffect(() => {
    if (selected) void loadDetail(selected);
  }, [selected, loadDetail]);

  useEffect(() => {
    api<{ data: { username: string; displayName: string }[] }>("/api/agents").then(
      (res) => setAgents(res.data),
      () => setAgents([]),
    );
  }, []);

  // A typing notice fades if the customer stops without sending.
  useEffect(() => {
    if (!customerTyping) return;
    const timer = setTimeout(() => setCustomerTyping(null), 4000);
    return () => clearTimeout(timer);
  }, [customerTyping]);

  /** An action on the open ticket failed: a 404 means it was erased meanwhile, unannounced. */
  const actionFailed = (ticketId: string, err: unknown) => {
    if (err instanceof ApiError && err.status === 404) dropTicket(ticketId);
    else setError((err as Error).message);
  };

  const act = async (action: "accept" | "close" | "transfer", body?: unknown) => {
    if (!selected) return;
    try {
      await api(`/api/agent/tickets/${selected}/${action}`, { method: "POST", body: body ?? {} });
      setError(null);
      await Promise.all([loadQueue(), loadDetail(selected)]);
    } catch (err) {
      actionFailed(selected, err);
    }
  };

  // The agent's verdict on the bot's reading of a turn: intent accuracy in analytics.
  const [verdicts, setVerdicts] = useState<Record<string, boolean>>({});
  const judge = async (seq: number, correct: boolean) => {
    const conversationId = detail?.ticket.conversationId;
    if (!conversationId) return;
    try {
      await api("/api/agent/feedback/intent", { body: { conversationId, seq, correct } });
      setVerdicts((v) => ({ ...v, [`${conversationId}:${seq}`]: correct }));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const reply = async (e: FormEvent) => {
    e.preventDefault();
    if (!selected || !draft.trim()) return;
    try {
      await api(`/api/agent/tickets/${selected}/reply`, { body: { text: draft.trim() } });
      setDraft("");
      await loadDetail(selected);
    } catch (err) {
      actionFailed(selected, err);
    }
  };

  // Relative times ("3 minutes ago") in the queue move on while the page stays open.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const reason = (code: string) => t.handoffReason[code] ?? code;

  const tk = detail?.ticket;
  const turnViews = botViewByTurn(detail?.messages ?? []);
  const trend = sentimentTrend(detail?.messages ?? []);
  const canned = cannedReplies(detail, t.lang);
  const cannedLang = canned.lang === "zh" ? "zh-CN" : "en";
  return (
    <div className="page agent">
      <h1>{t.navAgent}</h1>
      <div className="agent-grid">
        <section aria-label={t.queueRegion} className="queue-list">
          <h2>{t.queueHeading(queue.filter((q) => q.status !== "closed").length)}</h2>
          {queue.length === 0 && <p className="muted">{t.queueEmpty}</p>}
          <ul>
            {queue.map((q) => (
              <li key={q.id}>
                <button
                  type="button"
                  className={`ticket ${q.id === selected ? "selected" : ""}`}
                  onClick={() => {
                    setErasedNotice(false);
                    setSelected(q.id);
                  }}
                  data-ticket={q.id}
                >
                  <strong>{reason(q.reason)}</strong> · {t.ticketStatus[q.status]} ·{" "}
                  <time dateTime={q.createdAt} title={t.fmt.dateTime(q.createdAt)}>
                    {t.fmt.ago(q.createdAt, now)}
                  </time>
                  <br />
                  <small>{q.summary.slice(0, 100)}</small>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section aria-label={t.conversationRegion} className="transcript">
          {!detail && erasedNotice && (
            <p role="status" className="notice">
              {t.ticketErased}
            </p>
          )}
          {!detail && <p>{t.selectTicket}</p>}
          {detail && tk && (
            <>
              <h2>
                {reason(tk.reason)} — {t.ticketStatus[tk.status]}
                {tk.assignedAgent ? ` (${tk.assignedAgent})` : ""}
              </h2>
              <p className="summary">{tk.summary}</p>
              <div className="actions">
                {tk.status === "queued" && (
                  <button type="button" onClick={() => void act("accept")}>
                    {t.accept}
                  </button>
                )}
                {tk.status === "assigned" && (
                  <>
                    <button type="button" onClick={() => void act("close")}>
                      {t.closeTicket}
                    </button>
                    <form
                      className="transfer"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void act("transfer", transferTo ? { to: transferTo } : { to: null });
                      }}
                    >
                      <label htmlFor="transfer-to">{t.transferTo}</label>
                      <select
                        id="transfer-to"
                        value={transferTo}
                        onChange={(e) => setTransferTo(e.target.value)}
                      >
                        <option value="">{t.transferToQueue}</option>
                        {agents
                          .filter((a) => a.username !== tk.assignedAgent)
                          .map((a) => (
                            <option key={a.username} value={a.username}>
                              {a.displayName}
                            </option>
                          ))}
                      </select>
                      <button type="submit">{t.transfer}</button>
                    </form>
                  </>
                )}
              </div>
              <ol className="messages">
                {detail.messages.map((m) => {
                  const view = m.role === "user" ? turnViews.get(m.seq) : undefined;
                  return (
                    <li key={m.seq} className={`msg msg-${m.role}`} data-role={m.role}>
                      <span className="msg-who">{t.msgRole[m.role]}</span>
                      <p className="msg-text">{m.text}</p>
                      {view && (
                        <small className="bot-view">
                          {describeTurn(view, t)}
                          {verdicts[`${tk.conversationId}:${m.seq}`] === undefined ? (
                            <>
                              <button
                                type="button"
                                aria-label={t.judgeRight(m.seq)}
                                onClick={() => void judge(m.seq, true)}
                              >
                                ✓
                              </button>
                              <button
                                type="button"
                                aria-label={t.judgeWrong(m.seq)}
                                onClick={() => void judge(m.seq, false)}
                              >
                                ✗
                              </button>
                            </>
                          ) : (
                            <span>
                              {" "}
                              · {verdicts[`${tk.conversationId}:${m.seq}`] ? t.markedRight : t.markedWrong}
                            </span>
                          )}
                        </small>
                      )}
                    </li>
                  );
                })}
              </ol>
              <p className="typing" role="status">
                {customerTyping === tk.id ? t.customerTyping : ""}
              </p>
              {tk.status === "assigned" && (
                <form onSubmit={(e) => void reply(e)} className="composer">
                  <label htmlFor="agent-reply" className="visually-hidden">
                    {t.reply}
                  </label>
                  <textarea
                    id="agent-reply"
                    value={draft}
                    onChange={(e) => {
                      setDraft(e.target.value);
                      void api(`/api/agent/tickets/${selected}/typing`, { method: "POST", body: {} }).catch(
                        () => {},
                      );
                    }}
                  />
                  <button type="submit">{t.sendReply}</button>
                </form>
              )}
              {error && (
                <p role="alert" className="error">
                  {error}
                </p>
              )}
            </>
          )}
        </section>
        <aside aria-label={t.customerContext} className="context">
          {detail?.profile && (
            <section>
              <h3>{t.profile}</h3>
              <p>{detail.profile.name ?? t.unknownName}</p>
              {detail.profile.language && <p>{t.fmt.languageName(detail.profile.language)}</p>}
              {detail.profile.pastOrders && detail.profile.pastOrders.length > 0 && (
                <p>{t.pastOrders(detail.profile.pastOrders.join(t.listSeparator))}</p>
              )}
            </section>
          )}
          {detail?.state?.slots && (
            <section>
              <h3>{t.slots(detail.state.activeIntent ?? "—")}</h3>
              <dl>
                {Object.entries(detail.state.slots).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{String(v.normalized)}</dd>
                  </div>
                ))}
              </dl>
            </section>
          )}
          {trend.length > 0 && (
            <section>
              <h3>{t.sentimentTrend}</h3>
              <p className="trend">
                <small>{t.sentimentTrendNote}</small>
                {trend.map((s) => t.fmt.decimal(s, 2)).join(" → ")}
              </p>
            </section>
          )}
          <section>
            <h3>{t.suggestedReplies}</h3>
            <ul className="suggestions">
              {[
                ...suggestions,
                ...canned.texts.map((text) => ({
                  text,
                  source: "canned" as const,
                  citations: [],
                  lang: cannedLang,
                })),
              ].map((s) => (
                <li key={`${s.source}:${s.text}`}>
                  <button type="button" onClick={() => setDraft(s.text)}>
                    <small className={`badge badge-${s.source}`}>{t.suggestionSource[s.source]}</small>{" "}
                    <span lang={s.lang}>{s.text.slice(0, 160)}</span>
                    {s.citations[0] ? <small className="muted"> — {s.citations[0].title}</small> : null}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
    </div>
  );
}
