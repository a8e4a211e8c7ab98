fn main() {
    // The built UI is embedded at compile time: rebuild when it changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    // Declaring the app's commands makes each one a permission of its own, so the
    // capability file can grant exactly these and nothing else.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "link_status",
        "timer_status",
        "start_timer",
        "stop_timer",
        "continue_entry",
        "catalog",
        "create_tag",
        "today",
        "week",
        "edit_entry",
        "delete_entry",
        "add_manual_entry",
        "sign_in",
        "sign_out",
        "sync_status",
        "workspace_policy",
        "idle_prompt",
        "resolve_idle",
        "idle_settings",
        "set_idle_settings",
        "pomodoro",
        "set_pomodoro",
        "about",
        "open_logs_folder",
        "report_problem",
        "shortcut",
        "set_shortcut",
        "reminders",
        "set_reminders",
        "autostart",
        "set_autostart",
        "activity_day",
        "delete_activity",
        "delete_activity_day",
        "ignore_activity",
        "set_auto_tracker_paused",
        "privacy",
        "set_privacy",
        "waiting_screenshots",
        "discard_screenshots",
        "my_data",
        "export_my_data",
        "delete_local_data",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build configuration is valid");
}
