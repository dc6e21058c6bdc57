//! deploy/: the Kubernetes manifests and the container build file cannot be applied here, so
//! they are parsed and cross-checked: each command line parses as tierwise's CLI, the config
//! in the ConfigMap loads as tierwise loads it (PostgreSQL ledger, every `${VAR}` in the
//! Secret), and names, mounts and paths agree between the files.

use crate::support::root;
use clap::Parser;
use serde_yaml::Value;
use std::path::Path;
use tierwise::cli::{Cli, Command};

fn manifest(name: &str) -> Value {
    let path = root().join("deploy/k8s").join(name);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

/// The container's command line (`args` after the image's entrypoint) as tierwise parses it.
fn command(container: &Value) -> Command {
    let args: Vec<&str> = container["args"].as_sequence().unwrap().iter().map(text).collect();
    Cli::try_parse_from(std::iter::once("tierwise").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .command
}

/// Checks a pod spec: the config and shared volumes are mounted where the command line and the
/// config expect them, the Secret is the environment; returns the `--config` path's folder.
fn check_pod(pod: &Value, config_path: &Path) {
    let container = &pod["containers"][0];
    assert_eq!(text(&container["image"]), "tierwise:latest");
    assert_eq!(text(&container["envFrom"][0]["secretRef"]["name"]), text(&manifest("secret.yaml")["metadata"]["name"]));
    let volumes = pod["volumes"].as_sequence().unwrap();
    let mount = |volume: &str| -> String {
        let m = container["volumeMounts"].as_sequence().unwrap().iter().find(|m| m["name"] == volume).unwrap();
        text(&m["mountPath"]).to_string()
    };
    let config_volume = volumes.iter().find(|v| !v["configMap"].is_null()).expect("a ConfigMap volume");
    assert_eq!(text(&config_volume["configMap"]["name"]), text(&manifest("configmap.yaml")["metadata"]["name"]));
    assert_eq!(Path::new(&mount(text(&config_volume["name"]))), config_path.parent().unwrap(), "--config is in the mount");
    let shared = volumes.iter().find(|v| !v["persistentVolumeClaim"].is_null()).expect("a shared volume");
    assert_eq!(text(&shared["persistentVolumeClaim"]["claimName"]), text(&manifest("volume.yaml")["metadata"]["name"]));
    let config = load_config(config_path);
    let shared_path = mount(text(&shared["name"]));
    assert!(config.state_dir.starts_with(&shared_path), "snapshots and cache on the shared volume");
    for r in &config.reports {
        assert!(r.out_dir.starts_with(&shared_path), "{}", r.out_dir.display());
    }
    assert_eq!(pod["securityContext"]["runAsNonRoot"], Value::Bool(true));
}

fn load_config(path: &Path) -> tierwise::config::Config {
    let text = text(&manifest("configmap.yaml")["data"][path.file_name().unwrap().to_str().unwrap()]).to_string();
    tierwise::config::parse(&text, path).unwrap_or_else(|e| panic!("the ConfigMap's config: {e}"))
}

#[test]
fn the_kubernetes_manifests_agree_with_the_cli_the_config_and_each_other() {
    let deployment = manifest("deployment.yaml");
    assert_eq!(text(&deployment["kind"]), "Deployment");
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2, "several daemons");
    let pod = &deployment["spec"]["template"]["spec"];
    let Command::Daemon(args) = command(&pod["containers"][0]) else { panic!("the Deployment runs `tierwise daemon`") };
    check_pod(pod, &args.config);
    assert!(pod["terminationGracePeriodSeconds"].as_u64().unwrap() >= 600, "the running report may finish");

    let config = load_config(&args.config);
    let url = config.state_url.as_deref().expect("a PostgreSQL ledger");
    assert!(url.starts_with("postgres://") && !url.contains(":change-me@"), "{url}");
    // every secret the config names comes from the Secret
    let secret = manifest("secret.yaml");
    let keys: Vec<&str> = secret["stringData"].as_mapping().unwrap().keys().map(text).collect();
    let toml = text(&manifest("configmap.yaml")["data"]["tierwise.toml"]).to_string();
    let named: Vec<&str> = toml.split("${").skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect();
    assert!(named.len() >= 3, "{named:?}");
    for name in named {
        assert!(keys.contains(&name), "`${{{name}}}` is not in the Secret ({keys:?})");
    }

    let cronjob = manifest("cronjob.yaml");
    assert_eq!(text(&cronjob["kind"]), "CronJob");
    assert_eq!(text(&cronjob["spec"]["concurrencyPolicy"]), "Forbid");
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let Command::Run(run) = command(&pod["containers"][0]) else { panic!("the CronJob runs `tierwise run`") };
    check_pod(pod, &run.config.config);
    let report = run.config.report.as_deref().expect("--report");
    let config = load_config(&run.config.config);
    let scheduled = config.reports.iter().find(|r| r.name == report).expect("the CronJob's report is in the config");
    assert_eq!(text(&cronjob["spec"]["timeZone"]), scheduled.timezone.name(), "the report's own zone");
}

#[test]
fn the_container_file_builds_the_binary_the_manifests_run() {
    let file = std::fs::read_to_string(root().join("deploy/Containerfile")).unwrap();
    let line = |word: &str| file.lines().find(|l| l.starts_with(word)).unwrap_or_else(|| panic!("no {word}")).to_string();
    let json = |l: String, word: &str| -> Vec<String> { serde_json::from_str(l.trim_start_matches(word).trim()).unwrap() };
    assert_eq!(json(line("ENTRYPOINT"), "ENTRYPOINT"), ["/usr/local/bin/tierwise"]);
    assert!(line("COPY --from=build").contains("/usr/local/bin/tierwise"));
    assert!(file.contains("cargo build --release --locked --bin tierwise"));
    let cmd = json(line("CMD"), "CMD");
    let parsed = Cli::try_parse_from(std::iter::once("tierwise".to_string()).chain(cmd.iter().cloned())).unwrap();
    let Command::Daemon(args) = parsed.command else { panic!("the image's default is the daemon") };
    assert_eq!(args.config, Path::new("/etc/tierwise/tierwise.toml"));
    assert!(line("USER").contains("65534"), "not root");
}
