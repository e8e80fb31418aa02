"""The bot's own words in English and Turkish. Feed text is never translated."""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["en", "tr"]
LANGUAGES: tuple[Language, ...] = ("en", "tr")

MESSAGES: dict[str, dict[Language, str]] = {
    "welcome": {
        "en": "haberci gathers news about Turkey from Turkish and international outlets, "
        "folds the same event reported by several outlets into one story with every "
        "outlet's link, and tags stories with topics such as S-400, sanctions or the economy.",
        "tr": "haberci, Türkiye ile ilgili haberleri yerli ve yabancı kaynaklardan toplar; "
        "aynı olayı veren haberleri tüm kaynak bağlantılarıyla tek haberde birleştirir ve "
        "haberleri S-400, yaptırımlar, ekonomi gibi konularla etiketler.",
    },
    "welcome_next": {
        "en": "Try /topics to see every topic, /topic s400 for the latest on one, and "
        "/follow economy sanctions to get them in your digests ({times}, {timezone}).",
        "tr": "Tüm konular için /topics, bir konunun son haberleri için /topic s400, "
        "özetlerinizde görmek için /follow ekonomi yaptırımlar yazın ({times}, {timezone}).",
    },
    "help_heading": {"en": "Commands", "tr": "Komutlar"},
    "file_too_large": {
        "en": "That file is too large (at most 1 MB); nothing was read.",
        "tr": "Bu dosya çok büyük (en çok 1 MB); hiçbir şey okunmadı.",
    },
    "admin_heading": {"en": "Admin commands", "tr": "Yönetici komutları"},
    "unknown_command": {
        "en": "I don't know the command /{name}. Here is what I understand:",
        "tr": "/{name} komutunu bilmiyorum. Anladığım komutlar:",
    },
    "not_a_command": {
        "en": "Commands start with / — for example /topic s400. Send /help for the list.",
        "tr": "Komutlar / ile başlar — örneğin /topic s400. Liste için /help yazın.",
    },
    "admins_only": {
        "en": "/{name} is for the bot's admins; nothing was changed.",
        "tr": "/{name} yalnızca bot yöneticileri içindir; hiçbir şey değişmedi.",
    },
    "usage": {"en": "Usage: {usage}", "tr": "Kullanım: {usage}"},
    "topics_heading": {
        "en": "Topics (stories in the last 7 days)",
        "tr": "Konular (son 7 gündeki haber sayısı)",
    },
    "topics_footer": {
        "en": "Follow with /follow <topic>; read one with /topic <topic>.",
        "tr": "Takip için /follow <konu>; okumak için /topic <konu>.",
    },
    "unknown_topic": {
        "en": "I know no topic called {name!r}.",
        "tr": "{name!r} adında bir konu bilmiyorum.",
    },
    "did_you_mean": {"en": "Did you mean: {options}?", "tr": "Şunu mu demek istediniz: {options}?"},
    "see_topics": {"en": "/topics lists every topic.", "tr": "Tüm konular için /topics."},
    "topic_heading": {"en": "{name}: latest stories", "tr": "{name}: son haberler"},
    "no_stories_topic": {
        "en": "No stories on {name} yet.",
        "tr": "{name} konusunda henüz haber yok.",
    },
    "latest_heading": {"en": "Latest stories", "tr": "Son haberler"},
    "no_stories": {
        "en": "No stories yet: the feeds are polled every few minutes.",
        "tr": "Henüz haber yok: kaynaklar birkaç dakikada bir taranıyor.",
    },
    "more": {"en": "More", "tr": "Daha fazla"},
    "search_heading": {"en": "Search: {query}", "tr": "Arama: {query}"},
    "search_empty": {
        "en": "Nothing found for {query!r}.",
        "tr": "{query!r} için sonuç bulunamadı.",
    },
    "search_usage": {
        "en": "Give at least one word to search for, e.g. /search grain deal.",
        "tr": "Aramak için en az bir kelime yazın, örneğin /search tahıl koridoru.",
    },
    "followed": {"en": "Now following: {topics}.", "tr": "Artık takip ediliyor: {topics}."},
    "already_following": {
        "en": "Already following: {topics}.",
        "tr": "Zaten takip ediliyor: {topics}.",
    },
    "unfollowed": {"en": "No longer following: {topics}.", "tr": "Takipten çıkarıldı: {topics}."},
    "not_following": {"en": "Not following: {topics}.", "tr": "Takip edilmiyordu: {topics}."},
    "following": {"en": "You follow: {topics}.", "tr": "Takip ettiğiniz konular: {topics}."},
    "following_none": {
        "en": "You follow no topic yet, so your digests carry the top stories of all topics. "
        "Follow some with /follow <topic>.",
        "tr": "Henüz bir konu takip etmiyorsunuz; özetleriniz tüm konulardan öne çıkan "
        "haberleri içeriyor. /follow <konu> ile konu ekleyin.",
    },
    "settings_heading": {"en": "Settings", "tr": "Ayarlar"},
    "settings_body": {
        "en": "Digest times: {times} ({timezone})\nBreaking alerts: {alerts}\n"
        "Language: {language}\nTopics: {topics}",
        "tr": "Özet saatleri: {times} ({timezone})\nSon dakika bildirimleri: {alerts}\n"
        "Dil: {language}\nKonular: {topics}",
    },
    "settings_help": {
        "en": "Change with /settings times 08:00,20:00 · /settings timezone Europe/Berlin · "
        "/settings alerts on|off · /settings language en|tr",
        "tr": "Değiştirmek için /settings times 08:00,20:00 · /settings timezone Europe/Berlin · "
        "/settings alerts on|off · /settings language en|tr",
    },
    "settings_saved": {"en": "Saved.", "tr": "Kaydedildi."},
    "on": {"en": "on", "tr": "açık"},
    "off": {"en": "off", "tr": "kapalı"},
    "none": {"en": "none", "tr": "yok"},
    "all_topics": {"en": "all topics", "tr": "tüm konular"},
    "no_times": {"en": "no scheduled digests", "tr": "zamanlanmış özet yok"},
    "sources_heading": {"en": "Sources", "tr": "Kaynaklar"},
    "digest_heading": {"en": "Your digest", "tr": "Özetiniz"},
    "alert_heading": {"en": "Breaking", "tr": "Son dakika"},
    "digest_empty": {
        "en": "Nothing new since your last digest.",
        "tr": "Son özetinizden bu yana yeni bir şey yok.",
    },
    "group_admins_only": {
        "en": "Only this group's administrators can change its settings.",
        "tr": "Bu grubun ayarlarını yalnızca grup yöneticileri değiştirebilir.",
    },
}

# One line of help per command: usage and what it does.
HELP: dict[str, dict[Language, str]] = {
    "start": {"en": "what this bot does", "tr": "bu bot ne yapar"},
    "help": {"en": "this list", "tr": "bu liste"},
    "topics": {"en": "every topic with its story count", "tr": "tüm konular ve haber sayıları"},
    "topic": {
        "en": "the newest stories on a topic (default 5)",
        "tr": "bir konunun en yeni haberleri (varsayılan 5)",
    },
    "latest": {"en": "the newest stories", "tr": "en yeni haberler"},
    "search": {"en": "search titles and summaries", "tr": "başlık ve özetlerde arama"},
    "follow": {"en": "add topics to your digests", "tr": "özetlerinize konu ekler"},
    "unfollow": {"en": "remove topics from your digests", "tr": "özetlerinizden konu çıkarır"},
    "following": {"en": "the topics you follow", "tr": "takip ettiğiniz konular"},
    "digest": {"en": "your digest, now", "tr": "özetiniz, hemen"},
    "settings": {
        "en": "digest times, time zone, alerts, language",
        "tr": "özet saatleri, saat dilimi, bildirimler, dil",
    },
    "sources": {"en": "the outlets haberci reads", "tr": "haberci'nin okuduğu kaynaklar"},
    "addfeed": {"en": "add a feed", "tr": "kaynak ekler"},
    "removefeed": {"en": "remove a feed and its stories", "tr": "kaynağı ve haberlerini siler"},
    "feeds": {"en": "every feed with its health", "tr": "tüm kaynaklar ve durumları"},
    "pausefeed": {"en": "stop polling a feed", "tr": "kaynağın taranmasını durdurur"},
    "resumefeed": {"en": "poll a paused feed again", "tr": "durdurulan kaynağı yeniden tarar"},
    "importopml": {
        "en": "add the feeds of an attached OPML file",
        "tr": "ekli OPML dosyasındaki kaynakları ekler",
    },
    "exportopml": {"en": "every feed as an OPML file", "tr": "tüm kaynaklar OPML dosyası olarak"},
    "stats": {"en": "stories, chats and deliveries", "tr": "haber, sohbet ve gönderim sayıları"},
    "health": {"en": "feeds failing or paused", "tr": "hata veren veya duran kaynaklar"},
    "channel": {
        "en": "digests for a channel or group",
        "tr": "kanal veya grup için özetler",
    },
}


def text(language: str, key: str, /, **values: Any) -> str:
    """A message in the chat's language (English when the language is unknown)."""
    entry = MESSAGES[key]
    template = entry["tr"] if language == "tr" else entry["en"]
    return template.format(**values) if values else template


def language_for(language_code: str | None) -> Language:
    """The bot's language for a new chat: Turkish for Turkish-speaking users, else English."""
    return "tr" if (language_code or "").lower().startswith("tr") else "en"
