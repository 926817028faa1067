// The editor plugins this server works with: where to get each one, the API address form it wants,
// and its settings ready to paste. Used by the plugins page and by the machines page's new-token box.
// Pure: no DOM, no platform APIs.

export interface PluginLink {
  label: string;
  href: string;
}

export interface PluginGuide {
  /** Stable id for anchors and test hooks. */
  id: string;
  name: string;
  editors: string;
  install: string;
  links: PluginLink[];
  /** Where the setting lives, shown above the snippet. */
  where: string;
  /** The API address exactly as this plugin wants it (each adds a different part of the path). */
  apiUrl: string;
  snippet: string;
  note?: string;
}

/** The placeholder the plugins page shows where a token goes. */
const TOKEN_PLACEHOLDER = "<your API token>";

export function pluginGuides(origin: string, token: string = TOKEN_PLACEHOLDER): PluginGuide[] {
  const root = `${origin}/`;
  const api = `${origin}/api/`;
  const pulses = `${origin}/api/my/pulses`;
  return [
    {
      id: "vscode",
      name: "VS Code",
      editors: "Visual Studio Code, VSCodium",
      install: "Install “Code::Stats” (riussi.code-stats-vscode) from the extension marketplace.",
      links: [
        { label: "Visual Studio Marketplace", href: "https://marketplace.visualstudio.com/items?itemName=riussi.code-stats-vscode" },
        { label: "Open VSX", href: "https://open-vsx.org/extension/riussi/code-stats-vscode" },
        { label: "Source", href: "https://github.com/Aviortheking/code-stats-vscode" },
      ],
      where: "settings.json",
      apiUrl: api,
      snippet: `"codestats.apikey": "${token}",\n"codestats.apiurl": "${api}"`,
    },
    {
      id: "jetbrains",
      name: "JetBrains IDEs",
      editors: "IntelliJ IDEA, PyCharm, WebStorm, GoLand, Rider, Android Studio, …",
      install: "Install the “Code::Stats” plugin from the JetBrains Marketplace.",
      links: [
        { label: "JetBrains Marketplace", href: "https://plugins.jetbrains.com/plugin/8393" },
        { label: "Source", href: "https://gitlab.com/code-stats/code-stats-intellij" },
      ],
      where: "Settings → Code::Stats",
      apiUrl: pulses,
      snippet: `API key: ${token}\nAPI URL: ${pulses}`,
    },
    {
      id: "vim",
      name: "Vim",
      editors: "Vim 8+ with Python 3 (code-stats-vim)",
      install: "Install code-stats-vim with your plugin manager.",
      links: [{ label: "Repository", href: "https://gitlab.com/code-stats/code-stats-vim" }],
      where: "~/.vimrc",
      apiUrl: root,
      snippet: `let g:codestats_api_key = '${token}'\nlet g:codestats_api_url = '${root}'`,
    },
    {
      id: "neovim",
      name: "Neovim",
      editors: "Neovim (maorun/code-stats.nvim)",
      install: "Install maorun/code-stats.nvim (it needs plenary.nvim).",
      links: [{ label: "Repository", href: "https://github.com/maorun/code-stats.nvim" }],
      where: "init.lua",
      apiUrl: root,
      snippet: `require('maorun.code-stats').setup({\n  api_key = '${token}',\n  api_url = '${root}',\n  status_prefix = 'C:S ',\n})`,
      note: "It also shows your XP from GET /api/my/profile, which this server provides.",
    },
    {
      id: "emacs",
      name: "Emacs",
      editors: "GNU Emacs (code-stats-emacs)",
      install: "Install code-stats from MELPA and enable code-stats-mode.",
      links: [
        { label: "MELPA", href: "https://melpa.org/#/code-stats" },
        { label: "Repository", href: "https://github.com/xuchunyang/code-stats-emacs" },
      ],
      where: "init.el",
      apiUrl: origin,
      snippet: `(setq code-stats-token "${token}"\n      code-stats-url "${origin}")\n(add-hook 'prog-mode-hook #'code-stats-mode)\n(run-with-idle-timer 30 t #'code-stats-sync)\n(add-hook 'kill-emacs-hook (lambda () (code-stats-sync :wait)))`,
    },
    {
      id: "lsp",
      name: "Zed, Helix and other LSP editors",
      editors: "Any editor that runs a language server (code-stats-ls)",
      install: "Install the Code::Stats extension (Zed) or code-stats-ls and add it as a language server.",
      links: [
        { label: "Zed extensions", href: "https://zed.dev/extensions?query=code-stats" },
        { label: "code-stats-ls", href: "https://github.com/maxdeviant/code-stats-ls" },
      ],
      where: "Environment of the editor",
      apiUrl: origin,
      snippet: `CODE_STATS_API_URL=${origin}`,
      note: "Give it your API token as described by the extension (its settings or ~/.config/code-stats/config.toml).",
    },
    {
      id: "sublime",
      name: "Sublime Text",
      editors: "Sublime Text 3 and 4",
      install: "Install “CodeStats” with Package Control.",
      links: [
        { label: "Package Control", href: "https://packagecontrol.io/packages/CodeStats" },
        { label: "Source", href: "https://gitlab.com/code-stats/code-stats-sublime" },
      ],
      where: "Preferences → Package Settings → CodeStats → Settings – User",
      apiUrl: `${pulses}/`,
      snippet: `API key: ${token}\nAPI URL: ${pulses}/`,
    },
    {
      id: "shell",
      name: "Zsh and Bash",
      editors: "Your shell (zsh-codestats, bash plugins)",
      install: "Install the plugin with your plugin manager (for example as an oh-my-zsh plugin).",
      links: [{ label: "Repository", href: "https://gitlab.com/code-stats/code-stats-zsh" }],
      where: "~/.zshrc or ~/.bashrc",
      apiUrl: origin,
      snippet: `export CODESTATS_API_KEY="${token}"\nexport CODESTATS_API_URL="${origin}"`,
    },
    {
      id: "notepadpp",
      name: "Notepad++",
      editors: "Notepad++ (p0358/notepadpp-CodeStats)",
      install: "Install CodeStats from the Plugins Admin.",
      links: [{ label: "Repository", href: "https://github.com/p0358/notepadpp-CodeStats" }],
      where: "Plugins → CodeStats → Options",
      apiUrl: api,
      snippet: `API key: ${token}\nAPI URL: ${api}`,
    },
    {
      id: "atom",
      name: "Atom",
      editors: "Atom and Pulsar (code-stats-atom)",
      install: "Install the code-stats-atom package.",
      links: [{ label: "Repository", href: "https://gitlab.com/code-stats/code-stats-atom" }],
      where: "Package settings of code-stats-atom",
      apiUrl: `${pulses}/`,
      snippet: `API key: ${token}\nAPI URL: ${pulses}/`,
    },
  ];
}
