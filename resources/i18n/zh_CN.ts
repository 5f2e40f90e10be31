<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>CLIProxyAPI</name>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>% left</source>
            <translation>% 剩余</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>(empty)</source>
            <translation>（空）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_rows.py" />
            <source>(unknown)</source>
            <translation>（未知）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>24 hours</source>
            <translation>24 小时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>30 days</source>
            <translation>30 天</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>5-hour</source>
            <translation>5 小时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>7 days</source>
            <translation>7 天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>A GEMINI_API_KEY already set in your shell, or a .env file in your project, takes precedence over this setup. Instead of setting up, you can set the two environment variables yourself; when Gemini CLI asks how to log in, choose “Use Gemini API key”.</source>
            <translation>如果终端里已经设置了 GEMINI_API_KEY，或者项目中有 .env 文件，它们会优先于这里的设置。你也可以不使用一键设置，而是自己设置这两个环境变量；当 Gemini CLI 询问登录方式时，选择“Use Gemini API key”。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>A new key was added and selected.</source>
            <translation>已添加并选中一个新密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>A proxy on another computer</source>
            <translation>另一台电脑上的代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>API key</source>
            <translation>API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>API key from the settings</source>
            <translation>来自设置的 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>API keys are edited in Settings</source>
            <translation>API 密钥请在“设置”中编辑</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Account</source>
            <translation>账号</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Accounts</source>
            <translation>账号</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Accounts with a higher priority are used first</source>
            <translation>优先级更高的账户会被优先使用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Add</source>
            <translation>添加</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Add an API key</source>
            <translation>添加 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Add an account:</source>
            <translation>添加账号：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Add request parameters for some models, e.g. a reasoning effort or a token limit. “If missing” is used when the tool did not send the parameter; “Always” replaces what it sent.</source>
            <translation>为部分模型添加请求参数，例如推理强度或 Token 上限。“缺失时”仅在工具没有发送该参数时使用；“总是”会替换工具发送的值。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Address</source>
            <translation>地址</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Address (base URL)</source>
            <translation>地址（Base URL）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Add…</source>
            <translation>添加…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>After logging in, did the browser show an error page (for example “This site can’t be reached”)? Copy the whole address from its address bar and paste it here:</source>
            <translation>登录后浏览器显示了错误页面（例如“无法访问此网站”）？请复制地址栏中的完整地址并粘贴到这里：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Alias</source>
            <translation>别名</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Aliases</source>
            <translation>别名</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Aliases saved. Clients see the new names now.</source>
            <translation>别名已保存，客户端现在可以看到新名称。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>All levels</source>
            <translation>所有级别</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>All providers</source>
            <translation>所有服务商</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>All statistics as JSON…</source>
            <translation>全部统计导出为 JSON…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Allow other computers on my network to connect</source>
            <translation>允许我所在网络中的其他电脑连接</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>An account could not renew its login</source>
            <translation>某个账号无法续期登录</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>An account's quota is running low, at or below</source>
            <translation>某个账号的额度低于或等于</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Another program is using port {port}, which the login needs so that the browser can come back to this app. Close that program (or a login that is still running) and try again.</source>
            <translation>另一个程序正在占用端口 {port}，而登录需要用它让浏览器回到本应用。请关闭该程序（或仍在进行的登录）后重试。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Another program, {program}, is using port {port}, which the login needs so that the browser can come back to this app. Close that program (or a login that is still running) and try again.</source>
            <translation>另一个程序（{program}）正在占用端口 {port}，而登录需要用它让浏览器回到本应用。请关闭该程序（或仍在进行的登录）后重试。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Anyone on your network who has one of your client keys can then use your accounts. Keep this off unless you need it.</source>
            <translation>开启后，网络中任何持有你的客户端密钥的人都能使用你的账号。除非确实需要，请保持关闭。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_look.py" />
            <source>Appearance and language</source>
            <translation>外观与语言</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Apr</source>
            <translation>4月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Ask the providers now how much of each account's quota is left</source>
            <translation>立即向服务商查询每个账号的剩余额度</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Asking the proxy for a login link…</source>
            <translation>正在向代理获取登录链接…</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Aug</source>
            <translation>8月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Available models</source>
            <translation>可用模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>Average latency</source>
            <translation>平均延迟</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>Average latency {latency} · first token {ttft}</source>
            <translation>平均延迟 {latency} · 首个 Token {ttft}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Back</source>
            <translation>上一步</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Base URL</source>
            <translation>Base URL</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Browser did not open? Copy this link into it:</source>
            <translation>浏览器没有打开？请把这个链接复制到浏览器中：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>CLIProxyAPI runs a small proxy on this computer. Tools such as Claude Code, Codex, Gemini CLI or any app that speaks the OpenAI, Anthropic or Gemini API connect to it, and it answers them with your own Claude, ChatGPT, Google, Qwen or iFlow accounts and API keys.</source>
            <translation>CLIProxyAPI 会在这台电脑上运行一个小型代理。Claude Code、Codex、Gemini CLI 等工具，以及任何支持 OpenAI、Anthropic 或 Gemini API 的应用都可以连接它，它会使用你自己的 Claude、ChatGPT、Google、Qwen 或 iFlow 账号和 API 密钥来应答。</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>CLIProxyAPI {version} is available</source>
            <translation>CLIProxyAPI {version} 已发布</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Cannot read the client keys: {error}</source>
            <translation>无法读取客户端密钥：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_look.py" />
            <source>Changes apply at once.</source>
            <translation>更改立即生效。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Changes are saved to the config file and used at once.</source>
            <translation>更改会保存到配置文件并立即生效。</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Check for updates</source>
            <translation>检查更新</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_updates.py" />
            <source>Check for updates once a day</source>
            <translation>每天检查一次更新</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Check for updates…</source>
            <translation>检查更新…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_updates.py" />
            <source>Checking…</source>
            <translation>正在检查…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Choosing an account</source>
            <translation>账号选择方式</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Claude Code now uses the proxy. Restart it if it is running.</source>
            <translation>Claude Code 现在会通过代理工作。如果它正在运行，请重新启动它。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Claude Code reads {path}. Setting up adds the proxy’s address and key to it; everything else in the file stays as it is, and a copy of the original is kept next to it.</source>
            <translation>Claude Code 读取 {path}。配置时会把代理的地址和密钥写入该文件；文件中的其他内容保持不变，原文件的副本会保存在旁边。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Clear view</source>
            <translation>清空显示</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>Click to open the download page.</source>
            <translation>点击打开下载页面。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Client API key</source>
            <translation>客户端 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Client API keys</source>
            <translation>客户端 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Codex now uses the proxy. Set the key below once, then open a new terminal.</source>
            <translation>Codex 现在会通过代理工作。请先设置一次下面的密钥，然后打开一个新终端。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Codex reads the key from the environment variable {name}.</source>
            <translation>Codex 从环境变量 {name} 读取密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Codex reads {path}. Setting up adds a “cliproxyapi” provider and makes it the default; your other settings stay, and a copy of the original is kept next to it.</source>
            <translation>Codex 读取 {path}。配置时会添加一个“cliproxyapi”提供方并设为默认；你的其他设置保持不变，原文件的副本会保存在旁边。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Connect a tool</source>
            <translation>连接工具</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Cooling down</source>
            <translation>冷却中</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Cooling until {time}</source>
            <translation>冷却至 {time}</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/secret_field.py" />
            <source>Copy</source>
            <translation>复制</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Copy API key</source>
            <translation>复制 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Copy base URL</source>
            <translation>复制 Base URL</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Copy code</source>
            <translation>复制代码</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Copy link</source>
            <translation>复制链接</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/secret_field.py" />
            <source>Copy to the clipboard</source>
            <translation>复制到剪贴板</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Could not ask for the quota: {error}</source>
            <translation>无法查询额度：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Could not change the login item: {0}</source>
            <translation>无法更改开机启动项：{0}</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>Could not check for updates: GitHub sent an answer the app cannot read.</source>
            <translation>无法检查更新：GitHub 返回了本应用无法识别的内容。</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>Could not check for updates: no connection to GitHub. Check your internet connection.</source>
            <translation>无法检查更新：连接不上 GitHub。请检查网络连接。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Could not export: {error}</source>
            <translation>无法导出：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Could not list the models: {error}</source>
            <translation>无法列出模型：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Could not load the model rules: {error}</source>
            <translation>无法加载模型规则：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Could not load the provider keys: {error}</source>
            <translation>无法加载服务商密钥：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Could not load usage: {error}</source>
            <translation>无法加载用量：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Could not refresh the quota: {error}</source>
            <translation>无法刷新额度：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Could not switch {name} accounts off: {error}</source>
            <translation>无法停用 {name} 账号：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Could not switch {name} accounts on: {error}</source>
            <translation>无法启用 {name} 账号：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Could not write {path}: {error}</source>
            <translation>无法写入 {path}：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/theme.py" />
            <source>Dark</source>
            <translation>深色</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Dec</source>
            <translation>12月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Delete</source>
            <translation>删除</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Delete account</source>
            <translation>删除账号</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Delete the {provider} account {email}?

Its login file is removed from this computer. You can log in again later.</source>
            <translation>要删除 {provider} 账号 {email} 吗？

它的登录文件会从这台电脑上移除。之后你可以再次登录。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Delete…</source>
            <translation>删除…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Detailed logs (for troubleshooting)</source>
            <translation>详细日志（用于排查问题）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Disable</source>
            <translation>停用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Disabled</source>
            <translation>已停用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>Dismiss</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Edit API key</source>
            <translation>编辑 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Edit…</source>
            <translation>编辑…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Empty: connect directly. Example: socks5://127.0.0.1:1080</source>
            <translation>留空表示直接连接。例如：socks5://127.0.0.1:1080</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Enable</source>
            <translation>启用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Enter this code on the page that opened ({where}):</source>
            <translation>请在打开的页面（{where}）中输入此代码：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Errors</source>
            <translation>错误</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Every account of a service is resting (rate limits)</source>
            <translation>某个服务的所有账号都在冷却（触发速率限制）</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>Every {0} account hit a limit; requests wait until one is free again.</source>
            <translation>所有 {0} 账号都已达到限制；请求会等待，直到有账号恢复可用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Expired {when}</source>
            <translation>已于{when}过期</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Export all statistics</source>
            <translation>导出全部统计</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Export the table</source>
            <translation>导出表格</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Export…</source>
            <translation>导出…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Fast model (optional)</source>
            <translation>快速模型（可选）</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Feb</source>
            <translation>2月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Filter models</source>
            <translation>筛选模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Finish</source>
            <translation>完成</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Fri</source>
            <translation>周五</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Gemini CLI now uses the proxy. Restart it if it is running.</source>
            <translation>Gemini CLI 现在会通过代理工作。如果它正在运行，请重新启动。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Gemini CLI reads {env} and {settings}. Setting up writes the proxy’s address and key to the first and selects “Use Gemini API key” in the second; everything else stays, and copies of the originals are kept next to them.</source>
            <translation>Gemini CLI 会读取 {env} 和 {settings}。设置时会把代理的地址和密钥写入前者，并在后者中选择“Use Gemini API key”；其他内容保持不变，原始文件的副本会保存在它们旁边。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>Generate new key</source>
            <translation>生成新密钥</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>GitHub is busy right now. Try again in an hour.</source>
            <translation>GitHub 当前繁忙，请一小时后再试。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Give a model another name. Clients ask for the alias; the proxy sends the real model name upstream. “Keep original” offers both names.</source>
            <translation>给模型起另一个名字。客户端使用别名请求，代理向上游发送真实的模型名称。勾选“保留原名”则两个名称都可用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Google Cloud project ID (optional: leave empty to pick one for you)</source>
            <translation>Google Cloud 项目 ID（可选：留空则自动选择）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Got it — finishing the login…</source>
            <translation>已收到，正在完成登录…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Headers</source>
            <translation>请求头</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Hidden models</source>
            <translation>隐藏的模型</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/secret_field.py" />
            <source>Hide</source>
            <translation>隐藏</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Hide changes</source>
            <translation>隐藏更改</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Hide management traffic</source>
            <translation>隐藏管理请求</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Hide models your accounts should not serve. “*” matches anything: “gemini-1.5-*” hides every Gemini 1.5 model, “*-preview” every preview.</source>
            <translation>隐藏你的账号不应提供的模型。“*”匹配任意内容：“gemini-1.5-*”隐藏所有 Gemini 1.5 模型，“*-preview”隐藏所有预览版。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Hides</source>
            <translation>隐藏</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>In the last hour</source>
            <translation>最近一小时内</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Info and above</source>
            <translation>信息及以上</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Input</source>
            <translation>输入</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Input tokens</source>
            <translation>输入 Token</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>It lives in the tray (the menu bar on a Mac). Closing its window keeps it running; use Quit in the tray menu to stop it.</source>
            <translation>它常驻在系统托盘（Mac 上为菜单栏）。关闭窗口后它仍在运行；要停止它，请在托盘菜单中选择“退出”。</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>It stopped unexpectedly</source>
            <translation>代理意外停止了</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>It {reset}.</source>
            <translation>额度{reset}。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Its settings file cannot be read. Fix or move the file, then try again.</source>
            <translation>无法读取它的设置文件。请修复或移走该文件，然后重试。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>JSON files (*.json)</source>
            <translation>JSON 文件 (*.json)</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Jan</source>
            <translation>1月</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Jul</source>
            <translation>7月</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Jun</source>
            <translation>6月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Keep original</source>
            <translation>保留原名</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Keep the key private. You find both again in Settings.</source>
            <translation>请妥善保管密钥。你可以随时在“设置”中再次找到这两项。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Keep usage statistics (requests and tokens)</source>
            <translation>保留用量统计（请求数和 Token 数）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Key</source>
            <translation>密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>Key copied.</source>
            <translation>密钥已复制。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Keys and accounts with a higher priority are used first</source>
            <translation>优先级更高的密钥和账号会先被使用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_look.py" />
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Last 30 days</source>
            <translation>最近 30 天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Last 7 days</source>
            <translation>最近 7 天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Last used</source>
            <translation>上次使用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Latency (ms)</source>
            <translation>延迟（毫秒）</translation>
        </message>
        <message>
            <location filename="../../gui/theme.py" />
            <source>Light</source>
            <translation>浅色</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Log in again</source>
            <translation>重新登录</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Log in to a first account</source>
            <translation>登录第一个账号</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Log in to {0}</source>
            <translation>登录 {0}</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Log in to {0}…</source>
            <translation>登录 {0}…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Log in to {name}</source>
            <translation>登录 {name}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Logging to files is off, so there is nothing to show. Turn on “Write logs to files” in Settings.</source>
            <translation>未开启文件日志，因此没有可显示的内容。请在“设置”中开启“将日志写入文件”。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Login expired</source>
            <translation>登录已过期</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Login expires</source>
            <translation>登录到期</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Logs</source>
            <translation>日志</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Lowest quota: {left} · {detail}</source>
            <translation>最低额度：{left} · {detail}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Main model (optional)</source>
            <translation>主模型（可选）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Manage</source>
            <translation>管理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Management key</source>
            <translation>管理密钥</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Mar</source>
            <translation>3月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Matches no model clients see right now.</source>
            <translation>与客户端当前可见的任何模型都不匹配。</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>May</source>
            <translation>5月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Model</source>
            <translation>模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Model (optional)</source>
            <translation>模型（可选）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>Models</source>
            <translation>模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Models, e.g. gpt-5* or *</source>
            <translation>模型，例如 gpt-5* 或 *</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Mon</source>
            <translation>周一</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Network</source>
            <translation>网络</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Next</source>
            <translation>下一步</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>No accounts yet</source>
            <translation>还没有账号</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>No accounts yet.
Log in with one of the buttons above — your browser opens, you log in, and the account shows up here.</source>
            <translation>还没有账号。
点击上方任一按钮登录：浏览器会打开，你登录后，账号就会出现在这里。</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>No data yet</source>
            <translation>暂无数据</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>No keys: any program that can reach the proxy may use it.</source>
            <translation>没有密钥：任何能访问代理的程序都可以使用它。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>No log lines yet. Requests and account events appear here.</source>
            <translation>暂无日志。请求和账号事件会显示在这里。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>No provider could be asked right now; quota also updates with every request.</source>
            <translation>目前无法向任何服务商查询；额度也会随每次请求自动更新。</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>No release has been published yet.</source>
            <translation>尚未发布任何版本。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>No request in this period has a recorded latency (imported statistics have none).</source>
            <translation>这段时间内没有记录到延迟的请求（导入的统计数据不含延迟）。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>No requests</source>
            <translation>没有请求</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>No requests in this period yet.
Point Claude Code, Codex or another tool at the proxy (see “Connect a tool”) and your requests show up here.</source>
            <translation>这段时间内还没有请求。
将 Claude Code、Codex 或其他工具指向代理（参见“连接工具”），你的请求就会显示在这里。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Not saved: {0}</source>
            <translation>未保存：{0}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Not saved: {error}</source>
            <translation>未保存：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Not set up</source>
            <translation>未配置</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Not set up yet.</source>
            <translation>尚未配置。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Not used in the last 7 days</source>
            <translation>最近 7 天未使用</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Not working</source>
            <translation>无法工作</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Nothing to change: the file is already set up this way.</source>
            <translation>无需更改：该文件已经是这样配置的。</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Nov</source>
            <translation>11月</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Oct</source>
            <translation>10月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Offer the model under both names</source>
            <translation>以两个名称同时提供该模型</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Open CLIProxyAPI…</source>
            <translation>打开 CLIProxyAPI…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Open again</source>
            <translation>重新打开</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_updates.py" />
            <source>Open download page</source>
            <translation>打开下载页面</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Open log folder</source>
            <translation>打开日志文件夹</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Open the login page</source>
            <translation>打开登录页面</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>OpenAI / Codex API</source>
            <translation>OpenAI / Codex API</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>OpenAI-compatible service</source>
            <translation>兼容 OpenAI 的服务</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Optional</source>
            <translation>可选</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Optional extra headers, one per line: Name: value</source>
            <translation>可选的额外请求头，每行一个：Name: value</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Optional: clients then also see &lt;prefix&gt;/&lt;model&gt;</source>
            <translation>可选：客户端还会看到 &lt;prefix&gt;/&lt;model&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Optional: socks5://127.0.0.1:1080</source>
            <translation>可选：socks5://127.0.0.1:1080</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Output</source>
            <translation>输出</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Output tokens</source>
            <translation>输出 Token</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Parameter</source>
            <translation>参数</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Parameter, e.g. reasoning.effort</source>
            <translation>参数，例如 reasoning.effort</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Paste the key</source>
            <translation>粘贴密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Paste this once into Terminal, then open a new Terminal window:</source>
            <translation>将以下内容粘贴到“终端”中运行一次，然后打开新的终端窗口：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Paste this once into a Command Prompt, then open a new window:</source>
            <translation>将以下内容粘贴到命令提示符中运行一次，然后打开新窗口：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Pattern</source>
            <translation>匹配规则</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Pause</source>
            <translation>暂停</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Pick the service you pay for. Your browser opens its login page.</source>
            <translation>选择你已订阅的服务，浏览器会打开它的登录页面。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Port</source>
            <translation>端口</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Prefix</source>
            <translation>前缀</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Preview changes</source>
            <translation>预览更改</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Priority</source>
            <translation>优先级</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Priority of {email} (higher is used first, 0 is the default):</source>
            <translation>{email} 的优先级（数值越大越优先，默认为 0）：</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Priority set to {priority}.</source>
            <translation>优先级已设为 {priority}。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Priority {priority} (higher is used first)</source>
            <translation>优先级 {priority}（数值越高越先使用）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Provider</source>
            <translation>服务商</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Provider API keys</source>
            <translation>服务商 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Proxy</source>
            <translation>代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Python apps</source>
            <translation>Python 应用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Python apps (SDKs)</source>
            <translation>Python 应用（SDK）</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Quit CLIProxyAPI</source>
            <translation>退出 CLIProxyAPI</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Quota</source>
            <translation>额度</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Quota updated.</source>
            <translation>额度已更新。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Reach an AI provider through this proxy once, from this computer</source>
            <translation>从这台电脑经由此代理访问一次 AI 服务商</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Ready</source>
            <translation>可用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Refresh failed</source>
            <translation>刷新失败</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Refresh quota</source>
            <translation>刷新额度</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Remove API key</source>
            <translation>移除 API 密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Remove the {provider} key {key}? Requests stop using it at once.</source>
            <translation>要移除 {provider} 密钥 {key} 吗？请求会立即停止使用它。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Request parameters</source>
            <translation>请求参数</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Requests</source>
            <translation>请求</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Reset cooldown</source>
            <translation>重置冷却</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Restart proxy</source>
            <translation>重启代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Restart the proxy now</source>
            <translation>立即重启代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Retries</source>
            <translation>重试次数</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Revert</source>
            <translation>还原</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>Revoke</source>
            <translation>吊销</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>Revoke this key?</source>
            <translation>要吊销这个密钥吗？</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Running</source>
            <translation>运行中</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Running, but some services are resting</source>
            <translation>运行中，但部分服务正在冷却</translation>
        </message>
        <message>
            <location filename="../../gui/theme.py" />
            <source>Same as the system</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Sat</source>
            <translation>周六</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Save changes</source>
            <translation>保存更改</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Saved {path}</source>
            <translation>已保存 {path}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Saved.</source>
            <translation>已保存。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Saved. New requests get these parameters now.</source>
            <translation>已保存。新的请求现在会带上这些参数。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Saved. Quit and reopen the app to switch.</source>
            <translation>已保存。请退出并重新打开应用以完成切换。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Saved. Restart the proxy to use the new port or network setting.</source>
            <translation>已保存。请重启代理以使用新的端口或网络设置。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Saved. The key is on the Accounts page now, where Test tries it.</source>
            <translation>已保存。该密钥现在显示在“账号”页面，可在那里用“测试”试用它。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Saved. Those models are hidden from clients now.</source>
            <translation>已保存。这些模型现在对客户端隐藏。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Search the log…</source>
            <translation>搜索日志…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Send</source>
            <translation>发送</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Send a tiny request and time the first token and the whole answer</source>
            <translation>发送一个很小的请求，测量首个 Token 和完整回答的用时</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Sep</source>
            <translation>9月</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>Service / address</source>
            <translation>服务 / 地址</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Service switched off</source>
            <translation>服务已停用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_switch.py" />
            <source>Services</source>
            <translation>服务</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_switch.py" />
            <source>Services ({count} off)</source>
            <translation>服务（{count} 个已停用）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Set priority</source>
            <translation>设置优先级</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Set priority…</source>
            <translation>设置优先级…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Set up</source>
            <translation>已配置</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Set up Claude Code, Codex or Gemini CLI</source>
            <translation>配置 Claude Code、Codex 或 Gemini CLI</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Set up for a different address or key. Set it up again to use this proxy.</source>
            <translation>当前配置的是其他地址或密钥。重新配置即可使用此代理。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Set up {name}</source>
            <translation>配置 {name}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/secret_field.py" />
            <source>Show</source>
            <translation>显示</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>Show emails</source>
            <translation>显示邮箱</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/secret_field.py" />
            <source>Show or hide the value</source>
            <translation>显示或隐藏该值</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Skip</source>
            <translation>跳过</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Start CLIProxyAPI when I sign in to this computer</source>
            <translation>登录这台电脑时启动 CLIProxyAPI</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Start proxy</source>
            <translation>启动代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Start the proxy when the app opens</source>
            <translation>打开应用时启动代理</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Starting…</source>
            <translation>正在启动…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Startup</source>
            <translation>启动</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Statistics</source>
            <translation>统计</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Step {0} of {1}</source>
            <translation>第 {0} 步，共 {1} 步</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" />
            <source>Still running in the tray. Use Quit in its menu to stop.</source>
            <translation>仍在托盘中运行。要停止，请使用托盘菜单中的“退出”。</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Stop proxy</source>
            <translation>停止代理</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Stopped</source>
            <translation>已停止</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>Succeeded</source>
            <translation>成功</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Success</source>
            <translation>成功率</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Success rate (%)</source>
            <translation>成功率（%）</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Sun</source>
            <translation>周日</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_switch.py" />
            <source>Switch a whole provider off or on: the accounts of a switched-off provider are not used</source>
            <translation>整体停用或启用某个服务：已停用服务的账号不会被使用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Table as CSV…</source>
            <translation>表格导出为 CSV…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Take turns (round-robin)</source>
            <translation>轮流使用（round-robin）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Tell me when</source>
            <translation>在以下情况通知我</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Test</source>
            <translation>测试</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Test model</source>
            <translation>测试模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Testing the proxy…</source>
            <translation>正在测试代理…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>Testing {model}…</source>
            <translation>正在测试 {model}…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>Testing…</source>
            <translation>正在测试…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>That address did not work: {error}</source>
            <translation>该地址无效：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>The account can be used again.</source>
            <translation>账号已恢复可用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>The account was deleted.</source>
            <translation>账号已删除。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>The address must start with http://, https:// or socks5://</source>
            <translation>地址必须以 http://、https:// 或 socks5:// 开头</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>The address needs a host, like socks5://127.0.0.1:1080</source>
            <translation>地址需要包含主机，例如 socks5://127.0.0.1:1080</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>The address starts with http:// or https://</source>
            <translation>地址须以 http:// 或 https:// 开头</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>The aliases were not saved: {error}</source>
            <translation>别名未保存：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>The app can write the settings of Claude Code, Codex and Gemini CLI for you. It makes a backup first and can undo it.</source>
            <translation>本应用可以替你写入 Claude Code、Codex 和 Gemini CLI 的设置。它会先做备份，并且可以撤销。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>The hidden models were not saved: {error}</source>
            <translation>隐藏模型设置未保存：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>The key is kept in your system's keychain.</source>
            <translation>密钥保存在系统的钥匙串中。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>The key is stored unencrypted in this app's settings file on this computer.</source>
            <translation>密钥以未加密的形式保存在本机的应用设置文件中。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>The key was removed.</source>
            <translation>密钥已移除。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>The key was revoked.</source>
            <translation>密钥已吊销。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>The login failed.</source>
            <translation>登录失败。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>The login took too long and was stopped. Start it again when you are ready. ({reason})</source>
            <translation>登录耗时过长，已停止。准备好后请重新开始。（{reason}）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>The original file is kept as {name}.</source>
            <translation>原文件已保存为 {name}。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>The proxy built into this app</source>
            <translation>本应用内置的代理</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" />
            <source>The proxy did not start again: {0}</source>
            <translation>代理未能重新启动：{0}</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" />
            <source>The proxy did not start: {0}</source>
            <translation>代理未能启动：{0}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>The proxy does not answer.</source>
            <translation>代理没有响应。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>The proxy has no client key yet. Create one in Settings, then come back here.</source>
            <translation>代理还没有客户端密钥。请先在“设置”中创建一个，然后回到这里。</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>The proxy stopped</source>
            <translation>代理已停止</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>The proxy stopped unexpectedly</source>
            <translation>代理意外停止</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>The request parameters were not saved: {error}</source>
            <translation>请求参数未保存：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>The test failed: {error}</source>
            <translation>测试失败：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>The {page} page could not be opened. The log has the details.</source>
            <translation>无法打开“{page}”页面。详情请查看日志。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>The {page} page is not part of this version yet.</source>
            <translation>此版本尚未包含“{page}”页面。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_look.py" />
            <source>Theme</source>
            <translation>主题</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>These are the model names Claude Code, Codex and other tools can use through the proxy right now (accounts and API keys together, after aliases and hidden models).</source>
            <translation>这些是 Claude Code、Codex 等工具现在可以通过代理使用的模型名称（包括账号和 API 密钥提供的模型，已应用别名和隐藏规则）。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>This app</source>
            <translation>本应用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_updates.py" />
            <source>This is version {version}.</source>
            <translation>当前版本为 {version}。</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Thu</source>
            <translation>周四</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>Time to first token</source>
            <translation>首个 Token 用时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Time to first token / whole answer of a tiny test request</source>
            <translation>一次小型测试请求的首个 Token 用时 / 完整回答用时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Today</source>
            <translation>今天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>Tokens</source>
            <translation>Token</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Tools need two things to connect: the address of the proxy and a key.</source>
            <translation>工具连接时需要两样东西：代理的地址和一个密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/api_keys.py" />
            <source>Tools that use {0} stop working until they get another key.</source>
            <translation>使用 {0} 的工具将无法工作，直到它们换用另一个密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Try again</source>
            <translation>重试</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Tue</source>
            <translation>周二</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Type a pattern to see which models it hides.</source>
            <translation>输入匹配规则，即可查看它会隐藏哪些模型。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Undo changes</source>
            <translation>撤销更改</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Undo setup</source>
            <translation>撤销配置</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Unreadable file</source>
            <translation>文件无法读取</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Unsaved changes</source>
            <translation>有未保存的更改</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>Update available</source>
            <translation>有可用更新</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Updates</source>
            <translation>更新</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Upstream</source>
            <translation>上游</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Upstream proxy</source>
            <translation>上游代理</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>Usable again {when}</source>
            <translation>{when}恢复可用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/main_window.py" />
            <source>Usage</source>
            <translation>用量</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Use an API key next to (or instead of) an account: Anthropic, OpenAI, Gemini, Vertex, or any OpenAI-compatible service such as OpenRouter. Saved keys are listed and tested on the Accounts page.</source>
            <translation>在账号之外（或代替账号）使用 API 密钥：Anthropic、OpenAI、Gemini、Vertex，或任何兼容 OpenAI 的服务（例如 OpenRouter）。保存的密钥会列在“账号”页面，并可在那里测试。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Use one until it runs out (fill-first)</source>
            <translation>用完一个再换下一个（fill-first）</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings_app.py" />
            <source>Use this connection</source>
            <translation>使用此连接</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Use your AI subscriptions in any tool</source>
            <translation>在任何工具中使用你的 AI 订阅</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_switch.py" />
            <source>Use {name} accounts</source>
            <translation>使用 {name} 账号</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Value</source>
            <translation>值</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>Value, e.g. high or 8192</source>
            <translation>值，例如 high 或 8192</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>Version {version} is available (you have {current}).</source>
            <translation>新版本 {version} 已发布（当前版本 {current}）。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>Waiting for the proxy…</source>
            <translation>正在等待代理…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Waiting for you to finish logging in in the browser…</source>
            <translation>正在等待你在浏览器中完成登录…</translation>
        </message>
        <message>
            <location filename="../../gui/windows/logs.py" />
            <source>Warnings and errors</source>
            <translation>警告和错误</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>Wed</source>
            <translation>周三</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>Weekly</source>
            <translation>每周</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Welcome to CLIProxyAPI</source>
            <translation>欢迎使用 CLIProxyAPI</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>What is left of each usage window the provider reports, and when it starts afresh</source>
            <translation>服务商报告的各用量窗口的剩余额度，以及何时重置</translation>
        </message>
        <message>
            <location filename="../../gui/windows/payload_editor.py" />
            <source>When</source>
            <translation>条件</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>Would hide {count}: {models}</source>
            <translation>将隐藏 {count} 个：{models}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Write logs to files</source>
            <translation>将日志写入文件</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>You are logged in. The account is ready to use.</source>
            <translation>登录成功，账号已可使用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>You can add more accounts and API keys later on the Accounts page.</source>
            <translation>之后可以在“账号”页面添加更多账号和 API 密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/updates.py" />
            <source>You have the latest version ({current}).</source>
            <translation>已是最新版本（{current}）。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/onboarding.py" />
            <source>Your address and key</source>
            <translation>你的地址和密钥</translation>
        </message>
        <message>
            <location filename="../../gui/windows/login.py" />
            <source>Your browser will open the {name} login page. Log in there and allow access; this window notices by itself when you are done and the account appears in the list.</source>
            <translation>浏览器将打开 {name} 的登录页面。请在那里登录并授权访问；完成后本窗口会自动察觉，账号随即出现在列表中。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/client_setup.py" />
            <source>Your own scripts use the official SDKs with the proxy’s address and the client key. Any model from the Models page works with each of them.</source>
            <translation>你自己的脚本可以使用官方 SDK，配上代理的地址和客户端密钥即可。“模型”页面中的任何模型都可以通过它们使用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/settings.py" />
            <source>Your tools send one of these as their API key. Revoke a key you shared by mistake.</source>
            <translation>你的工具会把其中一个作为 API 密钥发送。如果误分享了某个密钥，请吊销它。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>alias, e.g. sonnet</source>
            <translation>别名，例如 sonnet</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>default address</source>
            <translation>默认地址</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>e.g. openrouter</source>
            <translation>例如 openrouter</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>https://openrouter.ai/api/v1</source>
            <translation>https://openrouter.ai/api/v1</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>in effect</source>
            <translation>已生效</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>in {time}</source>
            <translation>{time}后</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>less than a minute</source>
            <translation>不到一分钟</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>login expired</source>
            <translation>登录已过期</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>model, e.g. claude-sonnet-4-5</source>
            <translation>模型，例如 claude-sonnet-4-5</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>needs a new login</source>
            <translation>需要重新登录</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>no answer</source>
            <translation>没有回应</translation>
        </message>
        <message>
            <location filename="../../gui/windows/provider_keys.py" />
            <source>none</source>
            <translation>无</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>nothing</source>
            <translation>无</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>off</source>
            <translation>已停用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>pattern, e.g. gemini-1.5-*</source>
            <translation>匹配规则，例如 gemini-1.5-*</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>ready</source>
            <translation>可用</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>reset</source>
            <translation>已重置</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>resets in {time}</source>
            <translation>{time}后重置</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>resting</source>
            <translation>冷却中</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>resting: {providers}</source>
            <translation>冷却中：{providers}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>the tool’s own choice</source>
            <translation>由工具自行决定</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>unreadable</source>
            <translation>无法读取</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>{0} could not renew its login. Open Accounts and log in again.</source>
            <translation>{0} 无法续期登录。请打开“账号”页面重新登录。</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>{0} is resting</source>
            <translation>{0} 正在冷却</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>{0} needs a new login</source>
            <translation>{0} 需要重新登录</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>{count} account · {ready} ready</source>
            <translation>{count} 个账号 · {ready} 个可用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts_view.py" />
            <source>{count} accounts · {ready} ready</source>
            <translation>{count} 个账号 · {ready} 个可用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>{count} models</source>
            <translation>{count} 个模型</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>{count} requests</source>
            <translation>{count} 次请求</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{days} d</source>
            <translation>{days} 天</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{days} d {hours} h</source>
            <translation>{days} 天 {hours} 小时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{days} day</source>
            <translation>{days} 天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{days} days</source>
            <translation>{days} 天</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{hours} h</source>
            <translation>{hours} 小时</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{hours} h ago</source>
            <translation>{hours} 小时前</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{hours} h {minutes} min</source>
            <translation>{hours} 小时 {minutes} 分钟</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{label} · {left}</source>
            <translation>{label} · {left}</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{label}: {left}</source>
            <translation>{label}：{left}</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{minutes} min</source>
            <translation>{minutes} 分钟</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{models} and {count} more</source>
            <translation>{models} 等另外 {count} 个</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>{model} failed: {error}</source>
            <translation>{model} 失败：{error}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>{model}: first token after {ttft} ms, whole answer in {total} s</source>
            <translation>{model}：首个 Token 用时 {ttft} 毫秒，完整回答用时 {total} 秒</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{model}: until {time}</source>
            <translation>{model}：冷却至 {time}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>{ms} ms</source>
            <translation>{ms} 毫秒</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>{name} accounts are switched off: requests go to your other accounts and keys.</source>
            <translation>{name} 账号已停用：请求将交给你的其他账号和密钥。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/accounts.py" />
            <source>{name} accounts are used again.</source>
            <translation>{name} 账号已重新启用。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>{name} is back to how it was before the setup.</source>
            <translation>{name} 已恢复到配置之前的状态。</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/quota_bar.py" />
            <source>{percent}% left</source>
            <translation>剩余 {percent}%</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{provider} accounts are switched off on the Services menu</source>
            <translation>{provider} 账号已在“服务”菜单中停用</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>{provider} quota is running low</source>
            <translation>{provider} 额度即将用完</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{provider}: a pattern is empty</source>
            <translation>{provider}：有一条匹配规则为空</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{provider}: a rule needs both the model and its alias</source>
            <translation>{provider}：每条规则都需要同时填写模型和别名</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{provider}: the alias “{alias}” is the model’s own name</source>
            <translation>{provider}：别名“{alias}”与模型本身的名称相同</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{provider}: the alias “{alias}” is used twice</source>
            <translation>{provider}：别名“{alias}”被使用了两次</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>{provider}: “{pattern}” is listed twice</source>
            <translation>{provider}：“{pattern}”重复出现</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>{ready} of {total} accounts ready</source>
            <translation>{total} 个账号中 {ready} 个可用</translation>
        </message>
        <message>
            <location filename="../../gui/windows/models_page.py" />
            <source>{shown} of {total} models</source>
            <translation>显示 {shown} 个，共 {total} 个模型</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>{status} on :{port}</source>
            <translation>{status}，端口 :{port}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage_quality.py" />
            <source>{s} s</source>
            <translation>{s} 秒</translation>
        </message>
        <message>
            <location filename="../../gui/windows/account_rows.py" />
            <source>{time} ago</source>
            <translation>{time}前</translation>
        </message>
        <message>
            <location filename="../../gui/windows/usage.py" />
            <source>{tokens} tokens · {rate} succeeded</source>
            <translation>{tokens} Token · 成功率 {rate}</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>{weekday} {day}</source>
            <translation>{day}日 {weekday}</translation>
        </message>
        <message>
            <location filename="../../gui/widgets/chart.py" />
            <source>{weekday} {day} {month}</source>
            <translation>{month}{day}日 {weekday}</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>{where}, {reset}</source>
            <translation>{where}，{reset}</translation>
        </message>
        <message>
            <location filename="../../gui/notifier.py" />
            <source>{who}: {left} of the {window} quota.</source>
            <translation>{who}：{window} 额度剩余 {left}。</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>“{alias}” is already a model name; the alias will replace it</source>
            <translation>“{alias}”已是一个模型名称；该别名会取代它</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>“{name}” is not a provider; use one of {names}</source>
            <translation>“{name}”不是有效的服务商；请使用以下之一：{names}</translation>
        </message>
        <message>
            <location filename="../../gui/windows/model_rules.py" />
            <source>“{pattern}” matches no model clients see right now</source>
            <translation>“{pattern}”与客户端当前可见的任何模型都不匹配</translation>
        </message>
        <message>
            <location filename="../../gui/tray.py" />
            <source>… and {0} more</source>
            <translation>… 还有 {0} 个</translation>
        </message>
        <message>
            <location filename="../../gui/windows/tool_panel.py" />
            <source>✓ Set up: {name} uses this proxy.</source>
            <translation>✓ 已配置：{name} 正在使用此代理。</translation>
        </message>
    </context>
</TS>
